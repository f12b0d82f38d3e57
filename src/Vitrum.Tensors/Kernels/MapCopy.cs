using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// How a run of elements moves between the two sides of a <see cref="MapCopy"/>: the mapped side
/// (read through the index maps) and the plain side (walked in order).
/// </summary>
internal interface IMapRun<T>
{
    /// <summary>True when rows may run in parallel: each writes only its own plain-side elements.</summary>
    static abstract bool RowsIndependent { get; }

    /// <summary>Moves <paramref name="len"/> elements between m[mo + i*ms] and p[po + i*ps].</summary>
    static abstract void Move(T[] m, int mo, int ms, T[] p, int po, int ps, int len);

    /// <summary>Handles plain-side elements whose map entry is -1 (no source element).</summary>
    static abstract void Fill(T[] p, int po, int ps, int len, T value);
}

/// <summary>Gather direction: p = m, unmapped elements get the fill value.</summary>
internal struct CopyRun<T> : IMapRun<T>
{
    public static bool RowsIndependent => true;

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
    // Several output rows may add into the same source row (replicate, repeat, repeated indices).
    public static bool RowsIndependent => false;

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
/// consecutive runs, so contiguous stretches move with one span copy or one vector add. Large
/// gathers are split by rows over the worker pool.
/// </summary>
internal static class MapCopy
{
    // Below this many elements the copy costs less than waking the pool.
    private const int ParallelMinElements = 1 << 16;

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

    private static void Run<T, TRun>(int[] shape, int[]?[]? maps, T[] m, int mOff, int[] mStrides, T[] p, int pOff, int[] pStrides, T fill)
        where TRun : IMapRun<T>
    {
        var job = MapCopyJob<T, TRun>.Rent();
        try
        {
            if (!job.Plan(shape, maps, m, mOff, mStrides, p, pOff, pStrides, fill)) return;
            bool parallel = TRun.RowsIndependent && job.Rows > 1 && (long)job.Rows * job.Inner >= ParallelMinElements
                && WorkerPool.ThreadCount > 1;
            if (parallel) job.RunParallel(Math.Min(job.Rows, 4 * WorkerPool.ThreadCount));
            else job.RunRows(0, job.Rows);
        }
        finally
        {
            job.Release();
        }
    }
}

/// <summary>
/// One <see cref="MapCopy"/> call: the coalesced layout, the runs of the innermost map, and the row
/// loop, which the worker pool runs in pieces. Each thread keeps one instance per element type and
/// direction, so a call allocates nothing.
/// </summary>
internal sealed class MapCopyJob<T, TRun> : IParallelJob where TRun : IMapRun<T>
{
    [ThreadStatic] private static MapCopyJob<T, TRun>? _free;

    private int[] _dims = new int[8], _ms = new int[8], _ps = new int[8];
    private int[]?[] _maps = new int[]?[8];
    private T[] _m = Array.Empty<T>(), _p = Array.Empty<T>();
    private int[] _runs = Array.Empty<int>();
    private int _mOff, _pOff, _r, _msI, _psI, _runCount, _pieces;
    private T _fill = default!;

    /// <summary>Rows (positions of all coalesced dims but the innermost) and the innermost length.</summary>
    public int Rows { get; private set; }
    public int Inner { get; private set; }

    public static MapCopyJob<T, TRun> Rent()
    {
        var job = _free ?? new MapCopyJob<T, TRun>();
        _free = null;
        return job;
    }

    public void Release()
    {
        if (_runs.Length > 0) ArrayPool<int>.Shared.Return(_runs);
        _runs = Array.Empty<int>();
        Array.Clear(_maps);
        _m = _p = Array.Empty<T>();
        _free = this;
    }

    /// <summary>Coalesces the layout and cuts the innermost map into runs; false when there is nothing to move.</summary>
    public bool Plan(int[] shape, int[]?[]? maps, T[] m, int mOff, int[] mStrides, T[] p, int pOff, int[] pStrides, T fill)
    {
        int rank = shape.Length;
        if (_dims.Length < rank + 1)
        {
            _dims = new int[rank + 1]; _ms = new int[rank + 1]; _ps = new int[rank + 1]; _maps = new int[]?[rank + 1];
        }
        _m = m; _p = p; _mOff = mOff; _pOff = pOff; _fill = fill;
        int r = 0;
        for (int d = 0; d < rank; d++)
        {
            int n = shape[d];
            if (n == 0) return false;
            var map = maps?[d];
            if (map == null && n == 1) continue;
            if (map == null && r > 0 && _maps[r - 1] == null
                && _ms[r - 1] == mStrides[d] * n && _ps[r - 1] == pStrides[d] * n)
            {
                _dims[r - 1] *= n;
                _ms[r - 1] = mStrides[d];
                _ps[r - 1] = pStrides[d];
                continue;
            }
            _dims[r] = n; _ms[r] = mStrides[d]; _ps[r] = pStrides[d]; _maps[r] = map;
            r++;
        }
        if (r == 0)
        {
            // A single element: one unmapped dim of size 1.
            _dims[0] = 1; _ms[0] = 1; _ps[0] = 1; _maps[0] = null;
            r = 1;
        }
        _r = r;
        Inner = _dims[r - 1];
        _msI = _ms[r - 1];
        _psI = _ps[r - 1];
        int rows = 1;
        for (int k = 0; k < r - 1; k++) rows *= _dims[k];
        Rows = rows;
        var innerMap = _maps[r - 1];
        _runs = ArrayPool<int>.Shared.Rent(innerMap == null ? 3 : 3 * Inner);
        _runCount = innerMap == null ? AddRun(_runs, 0, 0, 0, Inner) : SplitRuns(innerMap, Inner, _runs);
        return true;
    }

    public void RunParallel(int pieces)
    {
        _pieces = pieces;
        WorkerPool.For(pieces, this);
    }

    public void Execute(int index) =>
        RunRows((int)((long)Rows * index / _pieces), (int)((long)Rows * (index + 1) / _pieces));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunRows(int begin, int end)
    {
        int r = _r, inner = Inner, msI = _msI, psI = _psI;
        Span<int> idx = stackalloc int[r];
        for (int k = r - 2, rest = begin; k >= 0; k--)
        {
            idx[k] = rest % _dims[k];
            rest /= _dims[k];
        }
        for (int row = begin; row < end; row++)
        {
            int mo = _mOff, po = _pOff;
            bool unmapped = false;
            for (int k = 0; k < r - 1; k++)
            {
                var map = _maps[k];
                int j = map == null ? idx[k] : map[idx[k]];
                unmapped |= j < 0;
                mo += j * _ms[k];
                po += idx[k] * _ps[k];
            }
            if (unmapped) TRun.Fill(_p, po, psI, inner, _fill);
            else
            {
                for (int q = 0; q < _runCount; q++)
                {
                    int start = _runs[3 * q], from = _runs[3 * q + 1], len = _runs[3 * q + 2];
                    if (from < 0) TRun.Fill(_p, po + start * psI, psI, len, _fill);
                    else TRun.Move(_m, mo + from * msI, msI, _p, po + start * psI, psI, len);
                }
            }
            for (int k = r - 2; k >= 0; k--)
            {
                if (++idx[k] < _dims[k]) break;
                idx[k] = 0;
            }
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
