using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.roll: shifts dim dims[i] by shifts[i] cyclically (element i moves to i + shift); a dim
    /// named twice is shifted by the sum. With no dims and one shift it rolls the flattened tensor.
    /// This is Swin's cyclic window shift. Float32 or int64; strided inputs are read in place.
    /// </summary>
    public static Tensor Roll(Tensor x, int[] shifts, int[] dims)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length == 0 && shifts.Length == 1) return Roll(x, shifts[0]);
        if (shifts.Length != dims.Length || dims.Length == 0)
            throw new ArgumentException($"Roll: shifts [{string.Join(", ", shifts)}] and dims [{string.Join(", ", dims)}] must be non-empty and of equal length (shape {ShapeUtil.Format(x.Shape)})");
        var total = new long[x.Rank];
        foreach (var (shift, dim) in shifts.Zip(dims))
            total[ShapeUtil.NormalizeAxis("Roll", dim, x.Rank, x.Shape)] += shift;
        var maps = new int[]?[x.Rank];
        var reduced = new List<int>();
        for (int d = 0; d < x.Rank; d++)
        {
            int n = x.Shape[d];
            if (n == 0) continue;
            int s = (int)((total[d] % n + n) % n);
            if (s == 0) continue;
            var map = new int[n];
            for (int j = 0; j < n; j++) map[j] = j < s ? j - s + n : j - s;
            maps[d] = map;
            reduced.Add(d);
            reduced.Add(s);
        }
        var o = Tensor.Empty(x.Shape, x.DType);
        MapCopy.Gather(x, maps, o);
        var node = Engine.Record(o, "roll", GradRules.Roll, x);
        if (node != null) node.Ints = reduced.ToArray();
        return o;
    }

    /// <summary>torch.roll without dims: rolls the flattened tensor and restores the shape.</summary>
    public static Tensor Roll(Tensor x, int shift) => Roll(x.Flatten(), [shift], [0]).Reshape(x.Shape);
}
