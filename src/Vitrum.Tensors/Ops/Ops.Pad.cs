using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.nn.functional.pad: <paramref name="pads"/> holds (left, right) pairs starting from the
    /// last dim and moving backwards, so [1, 2, 3, 4] pads the last dim by 1 and 2 and the one
    /// before it by 3 and 4; negative values crop. Constant mode fills with <paramref name="value"/>;
    /// Reflect, Replicate and Circular take their border from the input (and, unlike PyTorch, accept
    /// any rank and any number of padded dims). Float32 or int64; strided inputs are read in place.
    /// </summary>
    public static Tensor Pad(Tensor x, int[] pads, PadMode mode = PadMode.Constant, float value = 0f)
    {
        ArgumentNullException.ThrowIfNull(pads);
        if (mode != PadMode.Constant && value != 0f)
            throw new ArgumentException($"Pad: mode {mode} takes no fill value, got {value} for shape {ShapeUtil.Format(x.Shape)}");
        var maps = PadMaps(x.Shape, pads, mode, out var outShape);
        var o = Tensor.Empty(outShape, x.DType);
        MapCopy.Gather(x, maps, o, value);
        var node = Engine.Record(o, "pad", GradRules.Pad, x);
        if (node != null)
        {
            node.Ints = (int[])pads.Clone();
            node.State = mode;
        }
        return o;
    }

    /// <summary>
    /// One index map per dim (null where a dim is not padded): output position j of a padded dim
    /// reads input position map[j], or the fill value where map[j] is -1.
    /// </summary>
    internal static int[]?[] PadMaps(int[] shape, int[] pads, PadMode mode, out int[] outShape)
    {
        int rank = shape.Length;
        if (pads.Length % 2 != 0 || pads.Length > 2 * rank)
            throw new ArgumentException($"Pad: {pads.Length} pad values [{string.Join(", ", pads)}] for a tensor of shape {ShapeUtil.Format(shape)}; expected (left, right) pairs for at most its {rank} dims");
        outShape = (int[])shape.Clone();
        var maps = new int[]?[rank];
        for (int i = 0; i < pads.Length / 2; i++)
        {
            int d = rank - 1 - i, n = shape[d], l = pads[2 * i], r = pads[2 * i + 1];
            if (l == 0 && r == 0) continue;
            long size = (long)n + l + r;
            if (size < 0)
                throw new ArgumentException($"Pad: padding ({l}, {r}) of dim {d} gives a negative size for shape {ShapeUtil.Format(shape)}");
            if (n == 0 && mode != PadMode.Constant && size > 0)
                throw new ArgumentException($"Pad: {mode} padding ({l}, {r}) of dim {d} needs a non-empty dim, got shape {ShapeUtil.Format(shape)}");
            if (mode == PadMode.Reflect && (l >= n || r >= n))
                throw new ArgumentException($"Pad: reflect padding ({l}, {r}) of dim {d} must be smaller than its size {n} in shape {ShapeUtil.Format(shape)}");
            outShape[d] = (int)size;
            var map = new int[size];
            for (int j = 0; j < map.Length; j++) map[j] = PadSource(j - l, n, mode);
            maps[d] = map;
        }
        return maps;
    }

    /// <summary>The input position that output position u (counted from the first input element) reads, or -1.</summary>
    private static int PadSource(int u, int n, PadMode mode) => mode switch
    {
        PadMode.Constant => u >= 0 && u < n ? u : -1,
        PadMode.Reflect => u < 0 ? -u : u >= n ? 2 * (n - 1) - u : u,
        PadMode.Replicate => Math.Clamp(u, 0, n - 1),
        PadMode.Circular => (u % n + n) % n,
        _ => throw new ArgumentException($"Pad: unknown mode {mode}"),
    };
}
