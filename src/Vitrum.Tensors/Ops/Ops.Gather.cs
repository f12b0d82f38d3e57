using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.gather: out[i][j][k] = x[i][index[i][j][k]][k] for axis 1 (likewise for any axis). The
    /// index is Int64 with x's rank, no larger than x outside the axis; the result has its shape.
    /// Differentiable in <paramref name="x"/> (the gradient is a scatter-add); float32 or int64.
    /// </summary>
    public static Tensor Gather(Tensor x, int axis, Tensor index)
    {
        int ax = ShapeUtil.NormalizeAxis("Gather", axis, x.Rank, x.Shape);
        var ids = CheckedAxisIndex("Gather", x, ax, index, null);
        var o = Tensor.Empty(index.Shape, x.DType);
        if (x.DType == DType.Float32)
            AxisIndex.Run<float, GatherPair<float>>(index.Shape, ids, ax, x.Data, x.Offset, x.Strides, o.Data, o.Offset, o.Strides);
        else
            AxisIndex.Run<long, GatherPair<long>>(index.Shape, ids, ax, x.LongData, x.Offset, x.Strides, o.LongData, o.Offset, o.Strides);
        return RecordIndexOp(o, "gather", GradRules.Gather, index, ax, x);
    }

    /// <summary>
    /// torch.scatter_add (out of place): a copy of <paramref name="x"/> where, for every position p of
    /// the index, src[p] is added at p with its <paramref name="axis"/> coordinate replaced by
    /// index[p]. Repeated targets accumulate. Differentiable in x and src, not in the index.
    /// </summary>
    /// <param name="index">Int64 of x's rank, no larger than src anywhere nor than x outside the axis.</param>
    public static Tensor ScatterAdd(Tensor x, int axis, Tensor index, Tensor src)
    {
        RequireFloat("ScatterAdd", x);
        RequireFloat("ScatterAdd", src);
        int ax = ShapeUtil.NormalizeAxis("ScatterAdd", axis, x.Rank, x.Shape);
        var ids = CheckedAxisIndex("ScatterAdd", x, ax, index, src);
        var o = CloneUnrecorded(x);
        ScatterAddInto(o, ax, index.Shape, ids, src);
        return RecordIndexOp(o, "scatter_add", GradRules.ScatterAdd, index, ax, x, src);
    }

    /// <summary>acc[p with axis := index[p]] += src[p] for every position p of the index shape (unrecorded).</summary>
    internal static void ScatterAddInto(Tensor acc, int ax, int[] indexShape, ReadOnlySpan<long> ids, Tensor src) =>
        AxisIndex.Run<float, ScatterAddPair>(indexShape, ids, ax, acc.Data, acc.Offset, acc.Strides, src.Data, src.Offset, src.Strides);

    /// <summary>Shape and range checks shared by gather and scatter_add; returns the index values.</summary>
    private static ReadOnlySpan<long> CheckedAxisIndex(string op, Tensor x, int ax, Tensor index, Tensor? src)
    {
        RequireLong(op, index);
        string shapes = $"input {ShapeUtil.Format(x.Shape)}, index {ShapeUtil.Format(index.Shape)}"
            + (src == null ? "" : $", src {ShapeUtil.Format(src.Shape)}");
        if (index.Rank != x.Rank || (src != null && src.Rank != x.Rank))
            throw new ArgumentException($"{op}: index and input{(src == null ? "" : " and src")} must have the same rank ({shapes})");
        for (int d = 0; d < x.Rank; d++)
        {
            if ((d != ax && index.Shape[d] > x.Shape[d]) || (src != null && index.Shape[d] > src.Shape[d]))
                throw new ArgumentException($"{op}: index is larger than the {(src == null ? "input" : "input or src")} in dim {d} ({shapes})");
        }
        return IndexMaps.Checked(op, index, x.Shape[ax], ax, x);
    }
}
