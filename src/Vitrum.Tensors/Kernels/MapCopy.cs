using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        // Reflected borders and repeated single elements come as runs of one.
        if (len == 1) p[po] = m[mo];
        else if (ms == 1 && ps == 1) m.AsSpan(mo, len).CopyTo(p.AsSpan(po, len));
        else for (int i = 0; i < len; i++) p[po + i * ps] = m[mo + i * ms];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fill(T[] p, int po, int ps, int len, T value)
    {
        // Pad borders are often one element wide: skip the span set-up for them.
        if (len == 1) p[po] = value;
        else if (ps == 1) p.AsSpan(po, len).Fill(value);
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
            // Short runs (rows of a 16-wide attention head) are common: inline vector steps beat a library call.
            if (len < 128 && Simd.Level == SimdLevel.Avx512)
            {
                var dst = m.AsSpan(mo, len);
                var src = p.AsSpan(po, len);
                int i = 0;
                for (; i + 16 <= len; i += 16)
                    (Vector512.LoadUnsafe(ref dst[i]) + Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(src.Slice(i)))).StoreUnsafe(ref dst[i]);
                for (; i < len; i++) dst[i] += src[i];
                return;
            }
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
/// It runs on the calling thread: on this 2-core machine splitting these memory-bound copies over
/// the worker pool measured about 2x slower than one thread.
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
        // Coalesced layout; entry 0 is a leading dim of size 1 so that there are always two dims.
        Span<int> dims = stackalloc int[rank + 2];
        Span<int> ms = stackalloc int[rank + 2];
        Span<int> ps = stackalloc int[rank + 2];
        Span<int> src = stackalloc int[rank + 2];
        dims[0] = 1; ms[0] = 0; ps[0] = 0; src[0] = -1;
        int r = 1;
        for (int d = 0; d < rank; d++)
        {
            int n = shape[d];
            if (n == 0) return;
            var map = maps?[d];
            if (map == null && n == 1) continue;
            if (map == null && r > 1 && MapOf(maps, src[r - 1]) == null
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
        if (r == 1)
        {
            TRun.Move(m, mOff, 1, p, pOff, 1, 1);
            return;
        }

        int inner = dims[r - 1], msI = ms[r - 1], psI = ps[r - 1];
        var innerMap = MapOf(maps, src[r - 1]);
        // Runs of the innermost dim as (plain start, mapped start or -1, length) triples.
        int[] runs = ArrayPool<int>.Shared.Rent(innerMap == null ? 3 : 3 * inner);
        int runCount = innerMap == null ? AddRun(runs, 0, 0, 0, inner) : SplitRuns(innerMap, inner, runs);
        try
        {
            // Rows are walked as blocks of the second-innermost dim, whose map is read directly; the
            // offsets of the dims outside it are recomputed once per block.
            int rowDim = r - 2, rows = dims[rowDim], msR = ms[rowDim], psR = ps[rowDim];
            var rowMap = MapOf(maps, src[rowDim]);
            int blocks = 1;
            for (int k = 0; k < rowDim; k++) blocks *= dims[k];
            Span<int> idx = stackalloc int[Math.Max(rowDim, 1)];
            for (int block = 0; block < blocks; block++)
            {
                int mBase = mOff, pBase = pOff;
                bool unmapped = false;
                for (int k = 0; k < rowDim; k++)
                {
                    var map = MapOf(maps, src[k]);
                    int j = map == null ? idx[k] : map[idx[k]];
                    unmapped |= j < 0;
                    mBase += j * ms[k];
                    pBase += idx[k] * ps[k];
                }
                for (int i = 0; i < rows; i++)
                {
                    int j = rowMap == null ? i : rowMap[i];
                    int po = pBase + i * psR;
                    if (unmapped || j < 0)
                    {
                        TRun.Fill(p, po, psI, inner, fill);
                        continue;
                    }
                    int mo = mBase + j * msR;
                    for (int q = 0; q < runCount; q++)
                    {
                        int start = runs[3 * q], from = runs[3 * q + 1], len = runs[3 * q + 2];
                        if (from < 0) TRun.Fill(p, po + start * psI, psI, len, fill);
                        else TRun.Move(m, mo + from * msI, msI, p, po + start * psI, psI, len);
                    }
                }
                for (int k = rowDim - 1; k >= 0; k--)
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

    private static int[]? MapOf(int[]?[]? maps, int dim) => dim < 0 ? null : maps?[dim];

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
