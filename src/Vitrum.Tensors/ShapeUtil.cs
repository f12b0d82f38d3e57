namespace Vitrum.Tensors;

/// <summary>Pure helpers over shapes and strides; every failure names the op and the shapes.</summary>
public static class ShapeUtil
{
    public static long Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= Math.Max(shape[i], 1);
        }
        return s;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Maps a possibly negative axis into [0, rank) or throws naming the op.</summary>
    public static int NormalizeAxis(string op, int axis, int rank, ReadOnlySpan<int> shape)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new ArgumentException($"{op}: axis {axis} is out of range for a tensor of shape {Format(shape)} (rank {rank})");
        return a;
    }

    /// <summary>PyTorch broadcasting: align trailing dims; each pair must be equal or one of them 1.</summary>
    public static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int r = Math.Max(a.Length, b.Length);
        var o = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (dim {i}: {da} vs {db})");
            o[i] = da == 1 ? db : da;
        }
        return o;
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Resolves one -1 in a reshape target; the element count must match.</summary>
    public static int[] InferReshape(string op, ReadOnlySpan<int> from, ReadOnlySpan<int> to)
    {
        var res = to.ToArray();
        long known = 1;
        int neg = -1;
        for (int i = 0; i < res.Length; i++)
        {
            if (res[i] == -1)
            {
                if (neg >= 0) throw new ArgumentException($"{op}: only one dimension may be -1, got {Format(to)}");
                neg = i;
            }
            else if (res[i] < 0) throw new ArgumentException($"{op}: invalid dimension {res[i]} in {Format(to)}");
            else known *= res[i];
        }
        long total = Numel(from);
        if (neg >= 0)
        {
            if (known == 0 || total % known != 0)
                throw new ArgumentException($"{op}: cannot reshape {Format(from)} into {Format(to)}");
            res[neg] = (int)(total / known);
        }
        if (Numel(res) != total)
            throw new ArgumentException($"{op}: cannot reshape {Format(from)} ({total} elements) into {Format(to)}");
        return res;
    }
}
