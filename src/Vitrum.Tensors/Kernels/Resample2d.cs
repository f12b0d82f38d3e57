using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The source taps of one output axis: output i reads input Index[i*Taps + t] with weight
/// Weight[i*Taps + t]. Built with PyTorch's float arithmetic (torch 1.13 UpSample.h) so that
/// indices and weights match it exactly.
/// </summary>
internal sealed class AxisTaps
{
    // The cubic convolution constant PyTorch (and OpenCV, TensorFlow) use.
    private const float CubicA = -0.75f;

    public readonly int Taps;
    public readonly int[] Index;
    public readonly float[] Weight;

    private AxisTaps(int taps, int output)
    {
        Taps = taps;
        Index = new int[taps * output];
        Weight = new float[taps * output];
    }

    /// <param name="scaleFactor">The caller's scale factor (output / input) when the size came from one; PyTorch then maps indices with 1 / scaleFactor.</param>
    public static AxisTaps Create(InterpolateMode mode, int input, int output, bool alignCorners, double? scaleFactor)
    {
        var t = new AxisTaps(mode switch { InterpolateMode.Nearest => 1, InterpolateMode.Bilinear => 2, _ => 4 }, output);
        float scale = ScaleOf(input, output, scaleFactor);
        if (alignCorners) scale = output > 1 ? (float)(input - 1) / (output - 1) : 0f;
        for (int i = 0; i < output; i++)
        {
            switch (mode)
            {
                case InterpolateMode.Nearest: t.Nearest(i, input, output, scale); break;
                case InterpolateMode.Bilinear: t.Linear(i, input, output, SourceIndex(scale, i, alignCorners, cubic: false)); break;
                default: t.Cubic(i, input, SourceIndex(scale, i, alignCorners, cubic: true)); break;
            }
        }
        return t;
    }

    /// <summary>PyTorch's compute_scales_value: 1 / scaleFactor when one was given, else input / output.</summary>
    private static float ScaleOf(int input, int output, double? scaleFactor) =>
        scaleFactor is > 0 ? (float)(1.0 / scaleFactor.Value) : (float)input / output;

    /// <summary>PyTorch's area_pixel_compute_source_index: half-pixel centres, clamped at 0 except for cubic.</summary>
    private static float SourceIndex(float scale, int dst, bool alignCorners, bool cubic)
    {
        if (alignCorners) return scale * dst;
        float src = scale * (dst + 0.5f) - 0.5f;
        return !cubic && src < 0 ? 0 : src;
    }

    private void Nearest(int i, int input, int output, float scale)
    {
        Index[i] = output == input ? i
            : output == 2 * input ? i >> 1
            : Math.Min((int)MathF.Floor(i * scale), input - 1);
        Weight[i] = 1;
    }

    private void Linear(int i, int input, int output, float real)
    {
        int k = 2 * i;
        if (output == input)
        {
            Index[k] = Index[k + 1] = i;
            Weight[k] = 1;
            Weight[k + 1] = 0;
            return;
        }
        int i0 = (int)real;
        Index[k] = i0;
        Index[k + 1] = i0 + (i0 < input - 1 ? 1 : 0);
        float l1 = Math.Clamp(real - i0, 0f, 1f);
        Weight[k] = 1f - l1;
        Weight[k + 1] = l1;
    }

    /// <summary>Four taps around floor(real) with Keys' cubic weights; taps past the border read the edge pixel.</summary>
    private void Cubic(int i, int input, float real)
    {
        int k = 4 * i;
        float fl = MathF.Floor(real);
        float t = real - fl;
        int i0 = (int)fl;
        for (int j = 0; j < 4; j++) Index[k + j] = Math.Clamp(i0 - 1 + j, 0, input - 1);
        Weight[k] = CubicFar(t + 1f);
        Weight[k + 1] = CubicNear(t);
        Weight[k + 2] = CubicNear(1f - t);
        Weight[k + 3] = CubicFar(2f - t);
    }

    /// <summary>Keys' kernel for |x| &lt;= 1.</summary>
    private static float CubicNear(float x) => ((CubicA + 2) * x - (CubicA + 3)) * x * x + 1;

    /// <summary>Keys' kernel for 1 &lt; |x| &lt; 2.</summary>
    private static float CubicFar(float x) => ((CubicA * x - 5 * CubicA) * x + 8 * CubicA) * x - 4 * CubicA;
}

/// <summary>Separable resampling of H x W planes to Oh x Ow through row and column taps, and its adjoint.</summary>
internal sealed unsafe class Resample2d
{
    public readonly int H, W;
    public readonly AxisTaps Rows, Cols;

    public Resample2d(int h, int w, AxisTaps rows, AxisTaps cols)
    {
        H = h;
        W = w;
        Rows = rows;
        Cols = cols;
    }

    public int Oh => Rows.Index.Length / Rows.Taps;
    public int Ow => Cols.Index.Length / Cols.Taps;

    /// <summary>y[oy, ox] = sum_a wy[a] * sum_b wx[b] * x[iy[a], ix[b]] (the row sum outermost, as PyTorch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ForwardPlane(float* x, float* y)
    {
        int th = Rows.Taps, tw = Cols.Taps, ow = Ow;
        for (int oy = 0; oy < Oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                float s = 0;
                for (int a = 0; a < th; a++)
                {
                    float* row = x + (long)Rows.Index[oy * th + a] * W;
                    float r = 0;
                    for (int b = 0; b < tw; b++) r += Cols.Weight[ox * tw + b] * row[Cols.Index[ox * tw + b]];
                    s += Rows.Weight[oy * th + a] * r;
                }
                y[oy * ow + ox] = s;
            }
    }

    /// <summary>The adjoint: dx[iy[a], ix[b]] += dy[oy, ox] * wy[a] * wx[b]; dx must be zeroed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void BackwardPlane(float* gy, float* dx)
    {
        int th = Rows.Taps, tw = Cols.Taps, ow = Ow;
        for (int oy = 0; oy < Oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                float g = gy[oy * ow + ox];
                for (int a = 0; a < th; a++)
                {
                    float* row = dx + (long)Rows.Index[oy * th + a] * W;
                    float ga = g * Rows.Weight[oy * th + a];
                    for (int b = 0; b < tw; b++) row[Cols.Index[ox * tw + b]] += ga * Cols.Weight[ox * tw + b];
                }
            }
    }
}
