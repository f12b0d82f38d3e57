using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Tensors.Tests.Support;

/// <summary>
/// Compares autograd gradients with central finite differences. The loss is sum(f(inputs) * w) with a
/// fixed random w, so every output element contributes with a different weight.
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-2, double rtol = 2e-2, double atol = 2e-3, ulong seed = 7)
    {
        foreach (var t in inputs) if (t.DType == DType.Float32) t.RequiresGrad = true;
        var outShape = f(inputs).Shape;
        var w = Tensor.Randn(new Generator(seed), outShape);
        foreach (var t in inputs) t.ZeroGrad();
        var loss = Ops.Sum(Ops.Mul(f(inputs), w));
        loss.Backward();
        for (int ii = 0; ii < inputs.Length; ii++)
        {
            var x = inputs[ii];
            if (x.DType != DType.Float32) continue;
            Assert.True(x.Grad != null, $"input {ii} received no gradient");
            var analytic = x.Grad!.ToArray();
            var data = x.Data;
            var numeric = new double[x.Numel];
            var positions = ElementOffsets(x);
            for (int e = 0; e < positions.Length; e++)
            {
                int off = positions[e];
                float orig = data[off];
                data[off] = (float)(orig + eps);
                double lp = Eval(f, inputs, w);
                data[off] = (float)(orig - eps);
                double lm = Eval(f, inputs, w);
                data[off] = orig;
                numeric[e] = (lp - lm) / (2 * eps);
            }
            for (int e = 0; e < numeric.Length; e++)
            {
                double diff = Math.Abs(numeric[e] - analytic[e]);
                Assert.True(diff <= atol + rtol * Math.Abs(numeric[e]),
                    $"input {ii} element {e}: autograd {analytic[e]} vs finite difference {numeric[e]}");
            }
        }
    }

    private static double Eval(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor w)
    {
        using var _ = GradMode.NoGrad();
        var o = f(inputs).ToArray();
        var ww = w.ToArray();
        double s = 0;
        for (int i = 0; i < o.Length; i++) s += (double)o[i] * ww[i];
        return s;
    }

    /// <summary>Storage offsets of the elements of <paramref name="t"/> in row-major order.</summary>
    private static int[] ElementOffsets(Tensor t)
    {
        var res = new int[t.Numel];
        var idx = new int[t.Rank];
        for (int e = 0; e < res.Length; e++)
        {
            int off = t.Offset;
            for (int d = 0; d < t.Rank; d++) off += idx[d] * t.Strides[d];
            res[e] = off;
            for (int d = t.Rank - 1; d >= 0; d--) { if (++idx[d] < t.Shape[d]) break; idx[d] = 0; }
        }
        return res;
    }

    /// <summary>Random float tensor in (-1, 1) for tests.</summary>
    public static Tensor Rand(ulong seed, params int[] shape)
    {
        var t = Tensor.Rand(new Generator(seed), shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = s[i] * 2 - 1;
        return t;
    }

    public static void Close(float[] expected, float[] actual, double rtol = 1e-5, double atol = 1e-6, string what = "")
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)expected[i] - actual[i]);
            Assert.True(diff <= atol + rtol * Math.Abs(expected[i]) || (float.IsNaN(expected[i]) && float.IsNaN(actual[i])),
                $"{what}[{i}]: got {actual[i]}, expected {expected[i]}");
        }
    }
}
