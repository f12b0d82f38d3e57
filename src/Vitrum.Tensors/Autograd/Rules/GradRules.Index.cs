namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>dx = index_add(zeros, axis, index, g); Saved = [index], Ints = [axis].</summary>
    public static void IndexSelect(Node n, Tensor g)
    {
        var acc = Tensor.Zeros(n.Inputs[0].Shape);
        IndexMaps.AddInto(acc, n.Ints[0], IndexMaps.Values(n.Saved[0]!), g);
        n.Pass(0, acc);
    }

    /// <summary>dx = g; dsource = index_select(g, axis, index).</summary>
    public static void IndexAdd(Node n, Tensor g)
    {
        n.Pass(0, g);
        if (n.NeedsGrad(1)) n.Pass(1, Ops.IndexSelect(g, n.Ints[0], n.Saved[0]!));
    }

    /// <summary>Every output row's gradient is added to the weight row it came from, except the padding row (Ints[0], -1 for none).</summary>
    public static void Embedding(Node n, Tensor g)
    {
        var w = n.Inputs[0];
        var ids = IndexMaps.Values(n.Saved[0]!);
        var acc = Tensor.Zeros(w.Shape);
        IndexMaps.AddInto(acc, 0, ids, g.Reshape(ids.Length, w.Shape[1]), skip: n.Ints[0]);
        n.Pass(0, acc);
    }

    /// <summary>dx = scatter_add(zeros, axis, index, g); Saved = [index], Ints = [axis].</summary>
    public static void Gather(Node n, Tensor g)
    {
        var index = n.Saved[0]!;
        var acc = Tensor.Zeros(n.Inputs[0].Shape);
        Ops.ScatterAddInto(acc, n.Ints[0], index.Shape, IndexMaps.Values(index), g);
        n.Pass(0, acc);
    }

    /// <summary>dx = g; dsrc = gather(g, axis, index), zero where src extends past the index.</summary>
    public static void ScatterAdd(Node n, Tensor g)
    {
        n.Pass(0, g);
        if (!n.NeedsGrad(1)) return;
        var index = n.Saved[0]!;
        var src = n.Inputs[1];
        var gathered = Ops.Gather(g, n.Ints[0], index);
        if (ShapeUtil.SameShape(index.Shape, src.Shape))
        {
            n.Pass(1, gathered);
            return;
        }
        var pads = new int[2 * src.Rank];
        for (int d = 0; d < src.Rank; d++) pads[2 * (src.Rank - 1 - d) + 1] = src.Shape[d] - index.Shape[d];
        n.Pass(1, Ops.Pad(gathered, pads));
    }
}
