using System.Numerics.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>Mean over <paramref name="axes"/> (all when null); an empty reduction gives NaN.</summary>
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDim = false)
    {
        RequireFloat("Mean", x);
        var ax = ReduceAxes("Mean", x, axes);
        int count = ReducedCount(x, ax);
        Tensor o;
        using (GradMode.NoGrad()) o = ScaledSum(x, ax, keepDim, 1f / count);
        var node = Engine.Record(o, "Mean", GradRules.Mean, x);
        if (node != null)
        {
            node.Ints = ReducedShape(x.Shape, ax, true);
            node.Floats = new[] { 1f / count };
        }
        return o;
    }

    public static Tensor Mean(Tensor x, int axis, bool keepDim = false) => Mean(x, new[] { axis }, keepDim);

    /// <summary>
    /// Variance over <paramref name="axes"/> (all when null): sum((x - mean)^2) / max(n - correction, 0),
    /// with PyTorch's default correction 1 (unbiased); n = correction gives NaN or inf, as in PyTorch.
    /// </summary>
    public static Tensor Var(Tensor x, int[]? axes = null, int correction = 1, bool keepDim = false)
    {
        RequireFloat("Var", x);
        if (correction < 0) throw new ArgumentException($"Var: correction must be non-negative, got {correction} for input {ShapeUtil.Format(x.Shape)}");
        var ax = ReduceAxes("Var", x, axes);
        int count = ReducedCount(x, ax);
        Tensor mean, o;
        using (GradMode.NoGrad())
        {
            // Two passes (mean, then squared deviations) rather than sum(x^2) - n mean^2, which cancels.
            mean = ScaledSum(x, ax, keepDim: true, 1f / count);
            var d = Sub(x, mean);
            o = ScaledSum(Mul(d, d), ax, keepDim, 1f / Math.Max(count - correction, 0));
        }
        var node = Engine.Record(o, "Var", GradRules.Var, x);
        if (node != null)
        {
            node.Saved = new Tensor?[] { mean };
            node.Ints = ReducedShape(x.Shape, ax, true);
            node.Floats = new[] { 2f / (count - correction) };
        }
        return o;
    }

    public static Tensor Var(Tensor x, int axis, int correction = 1, bool keepDim = false) => Var(x, new[] { axis }, correction, keepDim);

    private static int ReducedCount(Tensor x, int[] axes)
    {
        int count = 1;
        foreach (var a in axes) count *= x.Shape[a];
        return count;
    }

    /// <summary>scale * sum over axes, in a buffer of its own (Sum may return a view of x when nothing is reduced).</summary>
    private static Tensor ScaledSum(Tensor x, int[] axes, bool keepDim, float scale)
    {
        var s = Sum(x, axes, keepDim);
        if (s.SharesStorageWith(x)) s = s.Clone();
        TensorPrimitives.Multiply(s.Span, scale, s.Span);
        return s;
    }

    /// <summary>Largest element along <paramref name="axis"/>; the gradient goes to the first largest, as in PyTorch.</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDim = false) => ArgReduceAlong("Max", x, axis, keepDim, max: true).Values;

    public static Tensor Min(Tensor x, int axis, bool keepDim = false) => ArgReduceAlong("Min", x, axis, keepDim, max: false).Values;

    /// <summary>torch.max(x, dim): the values (recorded for autograd) and their Int64 indices.</summary>
    public static (Tensor Values, Tensor Indices) MaxWithIndices(Tensor x, int axis, bool keepDim = false) => ArgReduceAlong("Max", x, axis, keepDim, max: true);

    public static (Tensor Values, Tensor Indices) MinWithIndices(Tensor x, int axis, bool keepDim = false) => ArgReduceAlong("Min", x, axis, keepDim, max: false);

    /// <summary>Int64 index of the first largest element along <paramref name="axis"/> (NaN counts as largest).</summary>
    public static Tensor ArgMax(Tensor x, int axis, bool keepDim = false)
    {
        using var _ = GradMode.NoGrad();
        return ArgReduceAlong("ArgMax", x, axis, keepDim, max: true).Indices;
    }

    public static Tensor ArgMin(Tensor x, int axis, bool keepDim = false)
    {
        using var _ = GradMode.NoGrad();
        return ArgReduceAlong("ArgMin", x, axis, keepDim, max: false).Indices;
    }

    /// <summary>Index of the first largest element of the flattened tensor, as a 0-dim Int64 tensor.</summary>
    public static Tensor ArgMax(Tensor x) => ArgMax(x.Rank == 0 ? x : x.Reshape(-1), 0);

    public static Tensor ArgMin(Tensor x) => ArgMin(x.Rank == 0 ? x : x.Reshape(-1), 0);

    /// <summary>The largest element (0-dim); NaN if any is NaN. Ties share the gradient evenly, as in PyTorch.</summary>
    public static Tensor Max(Tensor x) => ExtremeOfAll("Max", x, max: true);

    public static Tensor Min(Tensor x) => ExtremeOfAll("Min", x, max: false);

    private static (Tensor Values, Tensor Indices) ArgReduceAlong(string op, Tensor x, int axis, bool keepDim, bool max)
    {
        RequireFloat(op, x);
        // A 0-dim tensor reduces like a 1-element vector along axis 0 or -1, as torch.max(scalar, 0) does.
        var shape = x.Rank == 0 ? new[] { 1 } : x.Shape;
        int ax = ShapeUtil.NormalizeAxis(op, axis, shape.Length, x.Shape);
        if (shape[ax] == 0)
            throw new ArgumentException($"{op}: cannot reduce axis {axis} of size 0 in shape {ShapeUtil.Format(x.Shape)}");
        int outer = 1, r = shape[ax], inner = 1;
        for (int d = 0; d < ax; d++) outer *= shape[d];
        for (int d = ax + 1; d < shape.Length; d++) inner *= shape[d];
        var outShape = x.Rank == 0 ? Array.Empty<int>() : ReducedShape(shape, new[] { ax }, keepDim);
        var values = Tensor.Empty(outShape);
        var indices = Tensor.Empty(outShape, DType.Int64);
        using (GradMode.NoGrad()) ArgReduce.Run(x.Contiguous().Span, outer, r, inner, values.Span, indices.LongSpan, max);
        var node = Engine.Record(values, op, GradRules.SelectAlong, x);
        if (node != null)
        {
            node.Saved = new Tensor?[] { indices };
            node.Ints = new[] { outer, r, inner };
        }
        return (values, indices);
    }

    private static Tensor ExtremeOfAll(string op, Tensor x, bool max)
    {
        RequireFloat(op, x);
        if (x.Numel == 0) throw new ArgumentException($"{op}: cannot reduce an empty tensor of shape {ShapeUtil.Format(x.Shape)}");
        Tensor o;
        using (GradMode.NoGrad())
        {
            var src = x.Contiguous().Span;
            o = ScalarLike(max ? TensorPrimitives.Max(src) : TensorPrimitives.Min(src));
        }
        var node = Engine.Record(o, op, GradRules.ExtremeOfAll, x);
        if (node != null) node.Saved = new Tensor?[] { o };
        return o;
    }
}
