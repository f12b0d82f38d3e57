using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.Tensor.repeat: tiles the tensor repeats[d] times along each dim; extra leading entries of
    /// <paramref name="repeats"/> add new leading dims. Float32 or int64.
    /// </summary>
    public static Tensor Repeat(Tensor x, params int[] repeats)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        if (repeats.Length < x.Rank)
            throw new ArgumentException($"Repeat: {repeats.Length} repeats [{string.Join(", ", repeats)}] for a tensor of shape {ShapeUtil.Format(x.Shape)}; need at least one per dim");
        foreach (var r in repeats)
            if (r < 0) throw new ArgumentException($"Repeat: negative repeat in [{string.Join(", ", repeats)}] for shape {ShapeUtil.Format(x.Shape)}");
        var maps = RepeatMaps(x, repeats, out var source, out var outShape);
        var o = Tensor.Empty(outShape, x.DType);
        MapCopy.Gather(source, maps, o);
        var node = Engine.Record(o, "repeat", GradRules.Repeat, x);
        if (node != null) node.Ints = (int[])repeats.Clone();
        return o;
    }

    /// <summary>torch.tile: <see cref="Repeat"/> where a shorter <paramref name="dims"/> is padded with leading 1s.</summary>
    public static Tensor Tile(Tensor x, params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length >= x.Rank) return Repeat(x, dims);
        return Repeat(x, [.. Enumerable.Repeat(1, x.Rank - dims.Length), .. dims]);
    }

    /// <summary>
    /// Maps for Repeat over <paramref name="source"/>, a view of <paramref name="x"/> with the new
    /// leading dims added as size 1: output position j of dim d reads j mod size.
    /// </summary>
    internal static int[]?[] RepeatMaps(Tensor x, int[] repeats, out Tensor source, out int[] outShape)
    {
        int lead = repeats.Length - x.Rank;
        int[] shape = [.. Enumerable.Repeat(1, lead), .. x.Shape];
        int[] strides = [.. Enumerable.Repeat(0, lead), .. x.Strides];
        source = x.ViewOf(shape, strides, x.Offset);
        outShape = new int[shape.Length];
        var maps = new int[]?[shape.Length];
        for (int d = 0; d < shape.Length; d++)
        {
            int n = shape[d];
            long size = (long)n * repeats[d];
            if (size > int.MaxValue)
                throw new ArgumentException($"Repeat: {repeats[d]} repeats of dim {d} of shape {ShapeUtil.Format(x.Shape)} exceed 2^31 elements");
            outShape[d] = (int)size;
            if (repeats[d] == 1) continue;
            var map = new int[outShape[d]];
            for (int j = 0; j < map.Length; j++) map[j] = j % n;
            maps[d] = map;
        }
        return maps;
    }
}
