using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Max, average and adaptive average pooling of one H x W plane and their adjoints, following
/// PyTorch's CPU kernels (window clipping, first-max argmax, NaN propagation, average divisors).
/// </summary>
internal static unsafe class Pool2d
{
    /// <summary>The first element of an int64 argmax tensor (pooled storage is pinned).</summary>
    public static long* IndexPointer(Tensor indices) =>
        (long*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(indices.LongData)) + indices.Offset;

    /// <summary>y = max over each window (padding never wins); idx = the flat plane index of the first maximum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPlane(in Window2d g, float* x, float* y, long* idx)
    {
        for (int oy = 0; oy < g.Oh; oy++)
        {
            int h0 = oy * g.Sh - g.Ph, h1 = Math.Min(h0 + (g.Kh - 1) * g.Dh + 1, g.H);
            while (h0 < 0) h0 += g.Dh;
            for (int ox = 0; ox < g.Ow; ox++)
            {
                int w0 = ox * g.Sw - g.Pw, w1 = Math.Min(w0 + (g.Kw - 1) * g.Dw + 1, g.W);
                while (w0 < 0) w0 += g.Dw;
                long best = (long)h0 * g.W + w0;
                float max = float.NegativeInfinity;
                for (int ih = h0; ih < h1; ih += g.Dh)
                    for (int iw = w0; iw < w1; iw += g.Dw)
                    {
                        long i = (long)ih * g.W + iw;
                        float v = x[i];
                        if (v > max || float.IsNaN(v))
                        {
                            max = v;
                            best = i;
                        }
                    }
                y[oy * g.Ow + ox] = max;
                idx[oy * g.Ow + ox] = best;
            }
        }
    }

    /// <summary>
    /// The values of <see cref="MaxPlane"/> without the argmax: for each output row, the elementwise maximum of the
    /// window's input rows (vectorized over the whole row), then the maximum of each window's columns of it. NaN wins,
    /// as in <see cref="MaxPlane"/>, and padding never does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPlaneValues(in Window2d g, float* x, float* y)
    {
        var scratch = Memory.BufferPool.RentFloat(g.W);
        fixed (float* rowMax = scratch)
        {
            var row = new Span<float>(rowMax, g.W);
            for (int oy = 0; oy < g.Oh; oy++)
            {
                int h0 = oy * g.Sh - g.Ph, h1 = Math.Min(h0 + (g.Kh - 1) * g.Dh + 1, g.H);
                while (h0 < 0) h0 += g.Dh;
                new ReadOnlySpan<float>(x + (long)h0 * g.W, g.W).CopyTo(row);
                for (int ih = h0 + g.Dh; ih < h1; ih += g.Dh)
                    System.Numerics.Tensors.TensorPrimitives.Max(row, new ReadOnlySpan<float>(x + (long)ih * g.W, g.W), row);
                float* yo = y + (long)oy * g.Ow;
                for (int ox = 0; ox < g.Ow; ox++)
                {
                    int w0 = ox * g.Sw - g.Pw, w1 = Math.Min(w0 + (g.Kw - 1) * g.Dw + 1, g.W);
                    while (w0 < 0) w0 += g.Dw;
                    float max = float.NegativeInfinity;
                    for (int iw = w0; iw < w1; iw += g.Dw)
                    {
                        float v = rowMax[iw];
                        if (v > max || float.IsNaN(v)) max = v;
                    }
                    yo[ox] = max;
                }
            }
        }
        Memory.BufferPool.Return(scratch);
    }

    /// <summary>dx (zeroed) [idx] += dy: each output's gradient goes to its argmax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackwardPlane(in Window2d g, float* gy, long* idx, float* dx)
    {
        for (int o = 0; o < g.L; o++) dx[idx[o]] += gy[o];
    }

    /// <summary>
    /// The average over each window clipped to the input. The divisor is <paramref name="divisorOverride"/>
    /// when positive, else the window size counting padding (but not the ceil-mode overhang) when
    /// <paramref name="countIncludePad"/>, else the number of input pixels in the window.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AvgPlane(in Window2d g, float* x, float* y, bool countIncludePad, int divisorOverride)
    {
        for (int oy = 0; oy < g.Oh; oy++)
            for (int ox = 0; ox < g.Ow; ox++)
            {
                var b = AvgWindow(g, oy, ox, countIncludePad, divisorOverride);
                float s = 0;
                for (int ih = b.H0; ih < b.H1; ih++)
                    for (int iw = b.W0; iw < b.W1; iw++) s += x[(long)ih * g.W + iw];
                y[oy * g.Ow + ox] = s / b.Divisor;
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AvgBackwardPlane(in Window2d g, float* gy, float* dx, bool countIncludePad, int divisorOverride)
    {
        for (int oy = 0; oy < g.Oh; oy++)
            for (int ox = 0; ox < g.Ow; ox++)
            {
                var b = AvgWindow(g, oy, ox, countIncludePad, divisorOverride);
                float v = gy[oy * g.Ow + ox] / b.Divisor;
                for (int ih = b.H0; ih < b.H1; ih++)
                    for (int iw = b.W0; iw < b.W1; iw++) dx[(long)ih * g.W + iw] += v;
            }
    }

    private readonly record struct Bin(int H0, int H1, int W0, int W1, float Divisor);

    private static Bin AvgWindow(in Window2d g, int oy, int ox, bool countIncludePad, int divisorOverride)
    {
        int h0 = oy * g.Sh - g.Ph, w0 = ox * g.Sw - g.Pw;
        int h1 = Math.Min(h0 + g.Kh, g.H + g.Ph), w1 = Math.Min(w0 + g.Kw, g.W + g.Pw);
        int padded = (h1 - h0) * (w1 - w0);
        h0 = Math.Max(h0, 0);
        w0 = Math.Max(w0, 0);
        h1 = Math.Min(h1, g.H);
        w1 = Math.Min(w1, g.W);
        int divisor = divisorOverride > 0 ? divisorOverride : countIncludePad ? padded : (h1 - h0) * (w1 - w0);
        return new Bin(h0, h1, w0, w1, divisor);
    }

    /// <summary>Bin i of n over an axis of length size: [floor(i*size/n), ceil((i+1)*size/n)), PyTorch's adaptive bins.</summary>
    private static (int Start, int End) AdaptiveBin(int i, int n, int size) =>
        ((int)((long)i * size / n), (int)(((long)(i + 1) * size + n - 1) / n));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdaptiveAvgPlane(int h, int w, int oh, int ow, float* x, float* y)
    {
        for (int oy = 0; oy < oh; oy++)
        {
            var (h0, h1) = AdaptiveBin(oy, oh, h);
            for (int ox = 0; ox < ow; ox++)
            {
                var (w0, w1) = AdaptiveBin(ox, ow, w);
                float s = 0;
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++) s += x[(long)ih * w + iw];
                y[oy * ow + ox] = s / ((h1 - h0) * (w1 - w0));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdaptiveAvgBackwardPlane(int h, int w, int oh, int ow, float* gy, float* dx)
    {
        for (int oy = 0; oy < oh; oy++)
        {
            var (h0, h1) = AdaptiveBin(oy, oh, h);
            for (int ox = 0; ox < ow; ox++)
            {
                var (w0, w1) = AdaptiveBin(ox, ow, w);
                float v = gy[oy * ow + ox] / ((h1 - h0) * (w1 - w0));
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++) dx[(long)ih * w + iw] += v;
            }
        }
    }
}
