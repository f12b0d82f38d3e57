using System.Numerics.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>Softmax along <paramref name="axis"/> (max-subtracted, so large logits do not overflow).</summary>
    public static Tensor Softmax(Tensor x, int axis = -1)
    {
        var o = SoftmaxForward("Softmax", x, axis, log: false, out int ax);
        var node = Engine.Record(o, "softmax", GradRules.Softmax, x);
        if (node != null) { node.Saved = new Tensor?[] { o }; node.Ints = new[] { ax }; }
        return o;
    }

    /// <summary>log(softmax(x)) along <paramref name="axis"/>, computed as x - max - log(sum(exp(x - max))).</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1)
    {
        var o = SoftmaxForward("LogSoftmax", x, axis, log: true, out int ax);
        var node = Engine.Record(o, "log_softmax", GradRules.LogSoftmax, x);
        if (node != null) { node.Saved = new Tensor?[] { o }; node.Ints = new[] { ax }; }
        return o;
    }

    private static Tensor SoftmaxForward(string op, Tensor x, int axis, bool log, out int ax)
    {
        RequireFloat(op, x);
        if (x.Rank == 0) throw new ArgumentException($"{op}: needs at least 1 dim, got a scalar");
        ax = ShapeUtil.NormalizeAxis(op, axis, x.Rank, x.Shape);
        using var _ = GradMode.NoGrad();
        bool last = ax == x.Rank - 1;
        var src = last ? x.Contiguous() : x.Transpose(ax, -1).Contiguous();
        var o = Tensor.Empty(src.Shape);
        int n = src.Shape[^1];
        if (n > 0)
        {
            int rows = src.Numel / n;
            var s = src.Span;
            var d = o.Span;
            for (int r = 0; r < rows; r++) SoftmaxRow(s.Slice(r * n, n), d.Slice(r * n, n), log);
        }
        return last ? o : o.Transpose(ax, -1).Contiguous();
    }

    internal static void SoftmaxRow(ReadOnlySpan<float> x, Span<float> y, bool log)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        if (log)
        {
            // y = x - max; the exp goes through a pooled scratch row so y keeps the shifted logits.
            var tmp = Memory.BufferPool.RentFloat(y.Length);
            var t = tmp.AsSpan(0, y.Length);
            TensorPrimitives.Exp(y, t);
            float lse = MathF.Log(TensorPrimitives.Sum(t));
            Memory.BufferPool.Return(tmp);
            TensorPrimitives.Subtract(y, lse, y);
            return;
        }
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Multiply(y, 1f / TensorPrimitives.Sum(y), y);
    }
}
