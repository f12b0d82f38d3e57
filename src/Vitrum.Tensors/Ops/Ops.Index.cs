using Vitrum.Tensors.Autograd;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.index_select: the slices index[k] of <paramref name="axis"/>, in order (repeats allowed).
    /// <paramref name="index"/> is a 1-D (or 0-D) Int64 tensor of values in [0, size). Differentiable
    /// in <paramref name="x"/> (the gradient is an index-add); float32 or int64.
    /// </summary>
    public static Tensor IndexSelect(Tensor x, int axis, Tensor index)
    {
        int ax = ShapeUtil.NormalizeAxis("IndexSelect", axis, x.Rank, x.Shape);
        var ids = CheckedVectorIndex("IndexSelect", x, ax, index);
        var shape = (int[])x.Shape.Clone();
        shape[ax] = ids.Length;
        var o = Tensor.Empty(shape, x.DType);
        IndexMaps.SelectInto(x, ax, ids, o);
        return RecordIndexOp(o, "index_select", GradRules.IndexSelect, index, ax, x);
    }

    /// <summary>
    /// torch.index_add (out of place): a copy of <paramref name="x"/> with source[.., k, ..] added to
    /// slice index[k] of <paramref name="axis"/>; repeated indices accumulate. Differentiable in
    /// <paramref name="x"/> and <paramref name="source"/>, not in the index.
    /// </summary>
    /// <param name="source">x's shape except <paramref name="axis"/>, which has one slice per index.</param>
    public static Tensor IndexAdd(Tensor x, int axis, Tensor index, Tensor source)
    {
        RequireFloat("IndexAdd", x);
        RequireFloat("IndexAdd", source);
        int ax = ShapeUtil.NormalizeAxis("IndexAdd", axis, x.Rank, x.Shape);
        var ids = CheckedVectorIndex("IndexAdd", x, ax, index);
        bool ok = source.Rank == x.Rank;
        for (int d = 0; ok && d < x.Rank; d++) ok = source.Shape[d] == (d == ax ? ids.Length : x.Shape[d]);
        if (!ok)
            throw new ArgumentException($"IndexAdd: source of shape {ShapeUtil.Format(source.Shape)} does not match input {ShapeUtil.Format(x.Shape)} with {ids.Length} indices along axis {ax}");
        var o = CloneUnrecorded(x);
        IndexMaps.AddInto(o, ax, ids, source);
        return RecordIndexOp(o, "index_add", GradRules.IndexAdd, index, ax, x, source);
    }

    /// <summary>
    /// torch.nn.functional.embedding: row ids[...] of <paramref name="weight"/> for every id, so the
    /// result is [..., D]. The gradient scatter-adds into the used rows of the weight, except the row
    /// <paramref name="paddingIdx"/> (negative counts from the end), which gets none.
    /// </summary>
    /// <param name="weight">[V, D] float32</param>
    /// <param name="ids">[...] int64 in [0, V)</param>
    public static Tensor Embedding(Tensor weight, Tensor ids, int? paddingIdx = null)
    {
        RequireFloat("Embedding", weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Embedding: weight must be [V, D], got shape {ShapeUtil.Format(weight.Shape)} (ids of shape {ShapeUtil.Format(ids.Shape)})");
        if (ids.DType != DType.Int64)
            throw new ArgumentException($"Embedding: ids must be Int64, got {ids.DType} of shape {ShapeUtil.Format(ids.Shape)} (weight {ShapeUtil.Format(weight.Shape)})");
        int v = weight.Shape[0], dim = weight.Shape[1];
        int pad = -1;
        if (paddingIdx is int p)
        {
            if (p < -v || p >= v)
                throw new ArgumentException($"Embedding: padding index {p} is outside the table of {v} rows (weight {ShapeUtil.Format(weight.Shape)})");
            pad = p < 0 ? p + v : p;
        }
        var values = IndexMaps.Values(ids);
        foreach (var id in values)
            if ((ulong)id >= (ulong)v)
                throw new ArgumentException($"Embedding: id {id} is out of range for a table of {v} rows (weight {ShapeUtil.Format(weight.Shape)}, ids of shape {ShapeUtil.Format(ids.Shape)})");
        var o = Tensor.Empty([.. ids.Shape, dim]);
        using (GradMode.NoGrad()) IndexMaps.SelectInto(weight, 0, values, o.Reshape(values.Length, dim));
        var node = Engine.Record(o, "embedding", GradRules.Embedding, weight);
        if (node != null)
        {
            node.Saved = [ids];
            node.Ints = [pad];
        }
        return o;
    }

    /// <summary>Checks a 0-D or 1-D index for index_select/index_add and returns its validated values.</summary>
    private static ReadOnlySpan<long> CheckedVectorIndex(string op, Tensor x, int ax, Tensor index)
    {
        if (index.Rank > 1)
            throw new ArgumentException($"{op}: index must be 0-D or 1-D, got shape {ShapeUtil.Format(index.Shape)} (input {ShapeUtil.Format(x.Shape)})");
        return IndexMaps.Checked(op, index, x.Shape[ax], ax, x);
    }

    /// <summary>Records an op whose backward needs the index tensor (Saved[0]) and the axis (Ints[0]).</summary>
    private static Tensor RecordIndexOp(Tensor o, string op, BackwardFn rule, Tensor index, int ax, params Tensor[] inputs)
    {
        var node = Engine.Record(o, op, rule, inputs);
        if (node != null)
        {
            node.Saved = [index];
            node.Ints = [ax];
        }
        return o;
    }

    /// <summary>A contiguous copy that is not recorded: the start of an out-of-place accumulate.</summary>
    private static Tensor CloneUnrecorded(Tensor x)
    {
        using var _ = GradMode.NoGrad();
        return x.Clone();
    }
}
