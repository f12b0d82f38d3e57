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
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int outer = n / inner, d = 0, off = offset;
        for (int o = 0; o < outer; o++)
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
