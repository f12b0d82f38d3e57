using System.Buffers;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

/// <summary>
/// Int64 index tensors turned into what the kernels need: validated contiguous values, and the
/// rented int maps through which <see cref="MapCopy"/> selects or accumulates whole slices.
/// </summary>
internal static class IndexMaps
{
    /// <summary>The values of <paramref name="index"/> in row-major order after checking each lies in [0, n).</summary>
    public static ReadOnlySpan<long> Checked(string op, Tensor index, int n, int axis, Tensor x)
    {
        Ops.RequireLong(op, index);
        var v = Values(index);
        for (int i = 0; i < v.Length; i++)
            if ((ulong)v[i] >= (ulong)n)
                throw new ArgumentException($"{op}: index {v[i]} is out of range for dim {axis} of size {n} (input {ShapeUtil.Format(x.Shape)}, index {ShapeUtil.Format(index.Shape)})");
        return v;
    }

    public static ReadOnlySpan<long> Values(Tensor index) => index.Contiguous().LongSpan;

    /// <summary>Copies <paramref name="x"/> with the slices <paramref name="ids"/> along <paramref name="axis"/> into <paramref name="dst"/>.</summary>
    public static void SelectInto(Tensor x, int axis, ReadOnlySpan<long> ids, Tensor dst)
    {
        var map = Rent(ids, -1);
        try { MapCopy.Gather(x, AlongAxis(x.Rank, axis, map), dst); }
        finally { ArrayPool<int>.Shared.Return(map); }
    }

    /// <summary>acc[.., ids[k], ..] += src[.., k, ..] along <paramref name="axis"/>; slices whose id is <paramref name="skip"/> are dropped.</summary>
    public static void AddInto(Tensor acc, int axis, ReadOnlySpan<long> ids, Tensor src, long skip = -1)
    {
        var map = Rent(ids, skip);
        try { MapCopy.ScatterAdd(acc, AlongAxis(acc.Rank, axis, map), src); }
        finally { ArrayPool<int>.Shared.Return(map); }
    }

    private static int[]?[] AlongAxis(int rank, int axis, int[] map)
    {
        var maps = new int[]?[rank];
        maps[axis] = map;
        return maps;
    }

    private static int[] Rent(ReadOnlySpan<long> ids, long skip)
    {
        var map = ArrayPool<int>.Shared.Rent(ids.Length);
        for (int i = 0; i < ids.Length; i++) map[i] = ids[i] == skip ? -1 : (int)ids[i];
        return map;
    }
}
