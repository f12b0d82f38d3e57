using System.Numerics.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>Normalizes, sorts and de-duplicates reduction axes; null or empty means all axes.</summary>
    internal static int[] ReduceAxes(string op, Tensor x, int[]? axes)
    {
        if (axes == null || axes.Length == 0)
        {
            var all = new int[x.Rank];
            for (int i = 0; i < all.Length; i++) all[i] = i;
            return all;
        }
        var set = new SortedSet<int>();
        foreach (var a in axes)
            if (!set.Add(ShapeUtil.NormalizeAxis(op, a, x.Rank, x.Shape)))
                throw new ArgumentException($"{op}: axis {a} repeated for shape {ShapeUtil.Format(x.Shape)}");
        return set.ToArray();
    }

    /// <summary>Shape after reducing <paramref name="axes"/> (kept as size 1, or dropped).</summary>
    internal static int[] ReducedShape(int[] shape, int[] axes, bool keepDim)
    {
        var res = new List<int>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (Array.IndexOf(axes, i) < 0) res.Add(shape[i]);
            else if (keepDim) res.Add(1);
        }
        return res.ToArray();
    }

    /// <summary>Sum over <paramref name="axes"/> (all when null).</summary>
    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDim = false)
    {
        RequireFloat("Sum", x);
        var ax = ReduceAxes("Sum", x, axes);
        var kept = ReducedShape(x.Shape, ax, true);
        var shape = (int[])x.Shape.Clone();
        // Reduce one run of adjacent axes at a time, innermost first: each pass is [outer, r, inner] -> [outer, inner].
        int i = ax.Length - 1;
        Tensor cur;
        using (GradMode.NoGrad())
        {
            cur = x.Contiguous();
            while (i >= 0)
            {
                int hi = ax[i], lo = hi;
                while (i > 0 && ax[i - 1] == lo - 1) { i--; lo--; }
                i--;
                cur = SumRun(cur, shape, lo, hi);
                for (int d = lo; d <= hi; d++) shape[d] = 1;
            }
        }
        var o = cur.Reshape(keepDim ? kept : ReducedShape(x.Shape, ax, false));
        var node = Engine.Record(o, "sum", GradRules.Sum, x);
        if (node != null) node.Ints = kept;
        return o;
    }

    private static Tensor SumRun(Tensor x, int[] shape, int lo, int hi)
    {
        int outer = 1, r = 1, inner = 1;
        for (int d = 0; d < lo; d++) outer *= shape[d];
        for (int d = lo; d <= hi; d++) r *= shape[d];
        for (int d = hi + 1; d < shape.Length; d++) inner *= shape[d];
        var o = Tensor.Empty(new[] { outer * inner });
        var src = x.Span;
        var dst = o.Span;
        if (inner == 1)
        {
            for (int a = 0; a < outer; a++) dst[a] = TensorPrimitives.Sum(src.Slice(a * r, r));
            return o;
        }
        for (int a = 0; a < outer; a++)
        {
            var acc = dst.Slice(a * inner, inner);
            if (r == 0) { acc.Clear(); continue; }
            src.Slice(a * r * inner, inner).CopyTo(acc);
            for (int k = 1; k < r; k++) TensorPrimitives.Add(acc, src.Slice((a * r + k) * inner, inner), acc);
        }
        return o;
    }

    public static Tensor Sum(Tensor x, int axis, bool keepDim = false) => Sum(x, new[] { axis }, keepDim);
}
