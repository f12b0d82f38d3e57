using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.cat: joins tensors of equal rank along <paramref name="axis"/>; every other dim must
    /// match. As in PyTorch, 1-D tensors of shape [0] are skipped whatever the others' rank. Works
    /// for float32 and int64 (all inputs of one dtype); strided inputs are read in place.
    /// </summary>
    public static Tensor Cat(Tensor[] xs, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Length == 0) throw new ArgumentException("Cat: expected a non-empty list of tensors");
        // The first tensor that is not a skipped [0] sets the rank (only [0]s: the result is [0]).
        int firstIndex = Math.Max(Array.FindIndex(xs, x => !IsSkippedByCat(x)), 0);
        var first = xs[firstIndex];
        if (first.Rank == 0) throw new ArgumentException($"Cat: zero-dimensional tensor (at position {firstIndex}) cannot be concatenated");
        int ax = ShapeUtil.NormalizeAxis("Cat", axis, first.Rank, first.Shape);
        var shape = (int[])first.Shape.Clone();
        shape[ax] = 0;
        var sizes = new int[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            var x = xs[i];
            if (x.DType != first.DType)
                throw new ArgumentException($"Cat: tensor {i} is {x.DType} of shape {ShapeUtil.Format(x.Shape)} but the first is {first.DType} of shape {ShapeUtil.Format(first.Shape)}");
            if (IsSkippedByCat(x) && !ReferenceEquals(x, first)) { sizes[i] = -1; continue; }
            CheckCatShape(xs, i, first, ax);
            sizes[i] = x.Shape[ax];
            shape[ax] += sizes[i];
        }
        var o = Tensor.Empty(shape, first.DType);
        int offset = 0;
        using (GradMode.NoGrad())
        {
            for (int i = 0; i < xs.Length; i++)
            {
                if (sizes[i] <= 0) continue;
                MapCopy.Gather(xs[i], null, o.Narrow(ax, offset, sizes[i]));
                offset += sizes[i];
            }
        }
        // The node keeps its own copy of the list: the caller may reuse its array.
        var node = Engine.ShouldRecord(xs) ? Engine.Record(o, "cat", GradRules.Cat, (Tensor[])xs.Clone()) : null;
        if (node != null) node.Ints = [ax, .. sizes];
        return o;
    }

    private static bool IsSkippedByCat(Tensor x) => x.Rank == 1 && x.Shape[0] == 0;

    private static void CheckCatShape(Tensor[] xs, int i, Tensor first, int ax)
    {
        var x = xs[i];
        bool ok = x.Rank == first.Rank;
        for (int d = 0; ok && d < x.Rank; d++) ok = d == ax || x.Shape[d] == first.Shape[d];
        if (ok) return;
        var all = string.Join(", ", xs.Select(t => ShapeUtil.Format(t.Shape)));
        throw new ArgumentException($"Cat: tensor {i} of shape {ShapeUtil.Format(x.Shape)} does not match {ShapeUtil.Format(first.Shape)} outside axis {ax} (shapes {all})");
    }

    /// <summary>torch.stack: joins equally shaped tensors along a new axis (in [-(rank+1), rank]).</summary>
    public static Tensor Stack(Tensor[] xs, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Length == 0) throw new ArgumentException("Stack: expected a non-empty list of tensors");
        var shape = xs[0].Shape;
        for (int i = 1; i < xs.Length; i++)
            if (!ShapeUtil.SameShape(xs[i].Shape, shape))
                throw new ArgumentException($"Stack: tensor {i} has shape {ShapeUtil.Format(xs[i].Shape)} but tensor 0 has shape {ShapeUtil.Format(shape)}; all must be equal");
        int ax = ShapeUtil.NormalizeAxis("Stack", axis, shape.Length + 1, shape);
        var parts = new Tensor[xs.Length];
        for (int i = 0; i < xs.Length; i++) parts[i] = xs[i].Unsqueeze(ax);
        return Cat(parts, ax);
    }

    /// <summary>
    /// torch.split with a chunk size: views of <paramref name="splitSize"/> along the axis, the last
    /// one smaller when the size does not divide (0 is allowed only for an empty dim).
    /// </summary>
    public static Tensor[] Split(Tensor x, int splitSize, int axis = 0)
    {
        int ax = SplitAxis("Split", x, axis);
        int n = x.Shape[ax];
        if (splitSize < 0 || (splitSize == 0 && n != 0))
            throw new ArgumentException($"Split: split size {splitSize} is invalid for dim {ax} of size {n} in shape {ShapeUtil.Format(x.Shape)}");
        int count = splitSize == 0 ? 1 : Math.Max((n + splitSize - 1) / splitSize, 1);
        var sizes = new int[count];
        for (int i = 0; i < count; i++) sizes[i] = Math.Min(splitSize, n - i * splitSize);
        return NarrowPieces(x, ax, sizes);
    }

    /// <summary>torch.split with explicit sizes (which must sum to the size of the axis): views.</summary>
    public static Tensor[] Split(Tensor x, int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int ax = SplitAxis("Split", x, axis);
        long total = 0;
        foreach (var s in sizes)
        {
            if (s < 0) throw new ArgumentException($"Split: negative size in [{string.Join(", ", sizes)}] for shape {ShapeUtil.Format(x.Shape)}");
            total += s;
        }
        if (total != x.Shape[ax])
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] sum to {total}, but dim {ax} of shape {ShapeUtil.Format(x.Shape)} has size {x.Shape[ax]}");
        return NarrowPieces(x, ax, sizes);
    }

    /// <summary>torch.chunk: at most <paramref name="chunks"/> views of ceil(size / chunks) each (so possibly fewer).</summary>
    public static Tensor[] Chunk(Tensor x, int chunks, int axis = 0)
    {
        int ax = SplitAxis("Chunk", x, axis);
        if (chunks <= 0) throw new ArgumentException($"Chunk: chunks must be positive, got {chunks} for shape {ShapeUtil.Format(x.Shape)}");
        int n = x.Shape[ax];
        int size = (n + chunks - 1) / chunks;
        // An empty dim still yields the requested number of (empty) chunks, as in PyTorch.
        return n == 0 ? NarrowPieces(x, ax, new int[chunks]) : Split(x, size, ax);
    }

    private static int SplitAxis(string op, Tensor x, int axis)
    {
        if (x.Rank == 0) throw new ArgumentException($"{op}: expected at least a 1-dimensional tensor, got a scalar");
        return ShapeUtil.NormalizeAxis(op, axis, x.Rank, x.Shape);
    }

    private static Tensor[] NarrowPieces(Tensor x, int ax, int[] sizes)
    {
        var res = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            res[i] = x.Narrow(ax, start, sizes[i]);
            start += sizes[i];
        }
        return res;
    }
}
