using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// How a run of elements moves between the two sides of a <see cref="MapCopy"/>: the mapped side
/// (read through the index maps) and the plain side (walked in order).
/// </summary>
internal interface IMapRun<T>
{
    /// <summary>Moves <paramref name="len"/> elements between m[mo + i*ms] and p[po + i*ps].</summary>
    static abstract void Move(T[] m, int mo, int ms, T[] p, int po, int ps, int len);

    /// <summary>Handles plain-side elements whose map entry is -1 (no source element).</summary>
    static abstract void Fill(T[] p, int po, int ps, int len, T value);
}

/// <summary>Gather direction: p = m, unmapped elements get the fill value.</summary>
internal struct CopyRun<T> : IMapRun<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Move(T[] m, int mo, int ms, T[] p, int po, int ps, int len)
    {
        if (ms == 1 && ps == 1) m.AsSpan(mo, len).CopyTo(p.AsSpan(po, len));
        else for (int i = 0; i < len; i++) p[po + i * ps] = m[mo + i * ms];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fill(T[] p, int po, int ps, int len, T value)
    {
        if (ps == 1) p.AsSpan(po, len).Fill(value);
        else for (int i = 0; i < len; i++) p[po + i * ps] = value;
    }
}

/// <summary>Scatter-add direction (the adjoint of the gather): m += p, unmapped elements are dropped.</summary>
internal struct AddBackRun : IMapRun<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Move(float[] m, int mo, int ms, float[] p, int po, int ps, int len)
    {
        if (ms == 1 && ps == 1)
        {
            var acc = m.AsSpan(mo, len);
            TensorPrimitives.Add(acc, p.AsSpan(po, len), acc);
        }
        else for (int i = 0; i < len; i++) m[mo + i * ms] += p[po + i * ps];
    }

    public static void Fill(float[] p, int po, int ps, int len, float value) { }
}

/// <summary>
/// Copies between two strided views where each dim of the plain side may read the mapped side
/// through an index map (plain[j] pairs with mapped[map[j]]; -1 means no source). One kernel serves
/// every op that is a per-dim re-indexing: Cat, Pad, Roll, Repeat, IndexSelect and Embedding
/// forward, and run as a scatter-add, the gradients of Pad, Repeat, IndexSelect and Embedding.
/// Dims without a map are coalesced with their neighbours, and the innermost map is cut into
/// consecutive runs, so contiguous stretches move with one span copy or one vector add.
/// </summary>
internal static class MapCopy
{
    /// <summary>dst[j] = src[map(j)] (fill where a map gives -1) over the shape of <paramref name="dst"/>.</summary>
    public static void Gather(Tensor src, int[]?[]? maps, Tensor dst, float fill = 0f)
    {
        if (src.DType == DType.Float32)
            Run<float, CopyRun<float>>(dst.Shape, maps, src.Data, src.Offset, src.Strides, dst.Data, dst.Offset, dst.Strides, fill);
        else
            Run<long, CopyRun<long>>(dst.Shape, maps, src.LongData, src.Offset, src.Strides, dst.LongData, dst.Offset, dst.Strides, (long)fill);
    }

    /// <summary>acc[map(j)] += g[j] over the shape of <paramref name="g"/> (entries mapped to -1 are dropped).</summary>
    public static void ScatterAdd(Tensor acc, int[]?[]? maps, Tensor g) =>
        Run<float, AddBackRun>(g.Shape, maps, acc.Data, acc.Offset, acc.Strides, g.Data, g.Offset, g.Strides, 0f);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T, TRun>(int[] shape, int[]?[]? maps, T[] m, int mOff, int[] mStrides, T[] p, int pOff, int[] pStrides, T fill)
        where TRun : IMapRun<T>
    {
        int rank = shape.Length;
        Span<int> dims = stackalloc int[rank + 1];
        Span<int> ms = stackalloc int[rank + 1];
        Span<int> ps = stackalloc int[rank + 1];
        Span<int> src = stackalloc int[rank + 1];
        int r = 0;
        for (int d = 0; d < rank; d++)
        {
            int n = shape[d];
            if (n == 0) return;
            var map = maps?[d];
            if (map == null && n == 1) continue;
            if (map == null && r > 0 && maps?[src[r - 1]] == null
                && ms[r - 1] == mStrides[d] * n && ps[r - 1] == pStrides[d] * n)
            {
                dims[r - 1] *= n;
                ms[r - 1] = mStrides[d];
                ps[r - 1] = pStrides[d];
                continue;
            }
            dims[r] = n; ms[r] = mStrides[d]; ps[r] = pStrides[d]; src[r] = d;
            r++;
        }
        if (r == 0)
        {
            TRun.Move(m, mOff, 1, p, pOff, 1, 1);
            return;
        }

        int inner = dims[r - 1], msI = ms[r - 1], psI = ps[r - 1];
        var innerMap = maps?[src[r - 1]];
        // Runs of the innermost dim as (plain start, mapped start or -1, length) triples.
        int[] runs = ArrayPool<int>.Shared.Rent(innerMap == null ? 3 : 3 * inner);
        int runCount = innerMap == null ? AddRun(runs, 0, 0, 0, inner) : SplitRuns(innerMap, inner, runs);
        try
        {
            int rows = 1;
            for (int k = 0; k < r - 1; k++) rows *= dims[k];
            Span<int> idx = stackalloc int[r];
            for (int row = 0; row < rows; row++)
            {
                int mo = mOff, po = pOff;
                bool unmapped = false;
                for (int k = 0; k < r - 1; k++)
                {
                    var map = maps?[src[k]];
                    int j = map == null ? idx[k] : map[idx[k]];
                    unmapped |= j < 0;
                    mo += j * ms[k];
                    po += idx[k] * ps[k];
                }
                if (unmapped) TRun.Fill(p, po, psI, inner, fill);
                else
                {
                    for (int q = 0; q < runCount; q++)
                    {
                        int start = runs[3 * q], from = runs[3 * q + 1], len = runs[3 * q + 2];
                        if (from < 0) TRun.Fill(p, po + start * psI, psI, len, fill);
                        else TRun.Move(m, mo + from * msI, msI, p, po + start * psI, psI, len);
                    }
                }
                for (int k = r - 2; k >= 0; k--)
                {
                    if (++idx[k] < dims[k]) break;
                    idx[k] = 0;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(runs);
        }
    }

    private static int AddRun(int[] runs, int count, int start, int from, int len)
    {
        runs[3 * count] = start;
        runs[3 * count + 1] = from;
        runs[3 * count + 2] = len;
        return count + 1;
    }

    /// <summary>Cuts a map into maximal runs of consecutive sources (or of -1s).</summary>
    private static int SplitRuns(int[] map, int n, int[] runs)
    {
        int count = 0;
        for (int j = 0; j < n;)
        {
            int start = j, from = map[j];
            j++;
            if (from < 0) while (j < n && map[j] < 0) j++;
            else while (j < n && map[j] == map[j - 1] + 1) j++;
            count = AddRun(runs, count, start, from < 0 ? -1 : from, j - start);
        }
        return count;
    }
}
