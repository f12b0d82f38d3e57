using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Direct convolution of one plane with one kh x kw filter: the depthwise case (one input and one
/// output channel per group). im2col would copy every input pixel kh*kw times only to feed GEMMs with
/// a single row; here each (tap, output row) pair is one pass of w[tap] times an input row segment.
/// </summary>
internal static unsafe class DepthwiseConv
{
    /// <summary>y [Oh, Ow] = bias + sum over taps of w[tap] * x shifted to the tap.</summary>
    public static void ForwardPlane(in Window2d g, float* x, float* w, float bias, float* y)
    {
        new Span<float>(y, g.L).Fill(bias);
        var v = new Accumulate(x, w, y, g.Ow, g.Sw);
        Im2Col.VisitTaps(g, 0, g.Oh, ref v);
    }

    /// <summary>dx (zeroed) += w[tap] * dy at the pixels each tap read; dw[tap] += &lt;dy, x at the tap&gt;. Null targets are skipped.</summary>
    public static void BackwardPlane(in Window2d g, float* x, float* w, float* gy, float* dx, float* dw)
    {
        var v = new Gradients(x, w, gy, dx, dw, g.Ow, g.Sw);
        Im2Col.VisitTaps(g, 0, g.Oh, ref v);
    }

    private readonly struct Accumulate(float* x, float* w, float* y, int width, int stride) : ITapVisitor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Visit(int tap, int r, bool inside, long off, int lo, int hi)
        {
            if (!inside) return;
            float k = w[tap];
            float* row = y + (long)r * width;
            float* input = x + off;
            if (stride == 1)
            {
                var d = new Span<float>(row + lo, hi - lo);
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(input + lo, hi - lo), k, d, d);
            }
            else for (int ox = lo; ox < hi; ox++) row[ox] += k * input[ox * stride];
        }
    }

    private readonly struct Gradients(float* x, float* w, float* gy, float* dx, float* dw, int width, int stride) : ITapVisitor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Visit(int tap, int r, bool inside, long off, int lo, int hi)
        {
            if (!inside || hi <= lo) return;
            float* g = gy + (long)r * width;
            if (stride == 1)
            {
                var gs = new ReadOnlySpan<float>(g + lo, hi - lo);
                if (dw != null) dw[tap] += TensorPrimitives.Dot(gs, new ReadOnlySpan<float>(x + off + lo, hi - lo));
                if (dx == null) return;
                var d = new Span<float>(dx + off + lo, hi - lo);
                TensorPrimitives.MultiplyAdd(gs, w[tap], d, d);
                return;
            }
            float k = w[tap], s = 0;
            for (int ox = lo; ox < hi; ox++)
            {
                long i = off + (long)ox * stride;
                s += g[ox] * x[i];
                if (dx != null) dx[i] += k * g[ox];
            }
            if (dw != null) dw[tap] += s;
        }
    }
}
