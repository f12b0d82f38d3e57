using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors;

/// <summary>Copies between strided views and contiguous buffers, walking the last dimension as a run.</summary>
internal static class Strided
{
    public static void CopyToContiguous<T>(T[] src, int offset, int[] shape, int[] strides, Span<T> dst)
    {
        int rank = shape.Length;
        if (rank == 0) { dst[0] = src[offset]; return; }
        int n = (int)ShapeUtil.Numel(shape);
        if (n == 0) return;
        CopyRows(src, offset, shape, strides, dst, 0, n / shape[rank - 1]);
    }

    /// <summary>
    /// As <see cref="CopyToContiguous{T}"/> into dst[dstOffset..], split over the worker pool by runs of the last
    /// dimension when the copy is large (backward passes copy permuted gradients of every attention layer).
    /// </summary>
    public static void CopyToContiguous(float[] src, int offset, int[] shape, int[] strides, float[] dst, int dstOffset)
    {
        int n = (int)ShapeUtil.Numel(shape);
        if (shape.Length == 0 || n < ElementwiseParallel.MinElements || WorkerPool.AvailableThreads == 1)
        {
            CopyToContiguous(src, offset, shape, strides, dst.AsSpan(dstOffset, n));
            return;
        }
        var job = CopyJob.Instance ??= new CopyJob();
        job.Set(src, offset, shape, strides, dst, dstOffset);
        try
        {
            WorkerPool.For(job.Pieces, job);
        }
        finally
        {
            job.Set(Array.Empty<float>(), 0, Array.Empty<int>(), Array.Empty<int>(), Array.Empty<float>(), 0);
        }
    }

    /// <summary>Runs [r0, r1) of the last dimension (row r's elements go to dst[r * inner..]).</summary>
    private static void CopyRows<T>(T[] src, int offset, int[] shape, int[] strides, Span<T> dst, int r0, int r1)
    {
        int rank = shape.Length;
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int off = offset;
        for (int ax = rank - 2, rest = r0; ax >= 0; ax--)
        {
            idx[ax] = rest % shape[ax];
            rest /= shape[ax];
            off += idx[ax] * strides[ax];
        }
        int d = r0 * inner;
        for (int o = r0; o < r1; o++)
        {
            if (innerStride == 1) src.AsSpan(off, inner).CopyTo(dst.Slice(d, inner));
            else for (int j = 0; j < inner; j++) dst[d + j] = src[off + j * innerStride];
            d += inner;
            for (int ax = rank - 2; ax >= 0; ax--)
            {
                idx[ax]++;
                off += strides[ax];
                if (idx[ax] < shape[ax]) break;
                off -= strides[ax] * shape[ax];
                idx[ax] = 0;
            }
        }
    }

    private sealed class CopyJob : IParallelJob
    {
        [ThreadStatic] public static CopyJob? Instance;
        private float[] _src = Array.Empty<float>(), _dst = Array.Empty<float>();
        private int[] _shape = Array.Empty<int>(), _strides = Array.Empty<int>();
        private int _offset, _dstOffset, _rows;
        public int Pieces { get; private set; }

        public void Set(float[] src, int offset, int[] shape, int[] strides, float[] dst, int dstOffset)
        {
            (_src, _offset, _shape, _strides, _dst, _dstOffset) = (src, offset, shape, strides, dst, dstOffset);
            _rows = shape.Length == 0 ? 0 : (int)(ShapeUtil.Numel(shape) / shape[^1]);
            Pieces = Math.Min(_rows, 4 * WorkerPool.AvailableThreads);
        }

        public void Execute(int index)
        {
            int r0 = (int)((long)index * _rows / Pieces), r1 = (int)((long)(index + 1) * _rows / Pieces);
            int inner = _shape[^1];
            CopyRows<float>(_src, _offset, _shape, _strides, _dst.AsSpan(_dstOffset, _rows * inner), r0, r1);
        }
    }

    /// <summary>Writes a contiguous buffer into a strided view (the inverse of <see cref="CopyToContiguous{T}"/>).</summary>
    public static void CopyFromContiguous<T>(ReadOnlySpan<T> src, T[] dst, int offset, int[] shape, int[] strides)
    {
        int rank = shape.Length;
        if (rank == 0) { dst[offset] = src[0]; return; }
        int n = (int)ShapeUtil.Numel(shape);
        if (n == 0) return;
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int outer = n / inner, s = 0, off = offset;
        for (int o = 0; o < outer; o++)
        {
            if (innerStride == 1) src.Slice(s, inner).CopyTo(dst.AsSpan(off, inner));
            else for (int j = 0; j < inner; j++) dst[off + j * innerStride] = src[s + j];
            s += inner;
            for (int ax = rank - 2; ax >= 0; ax--)
            {
                idx[ax]++;
                off += strides[ax];
                if (idx[ax] < shape[ax]) break;
                off -= strides[ax] * shape[ax];
                idx[ax] = 0;
            }
        }
    }
}
