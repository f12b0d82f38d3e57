using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>What happens to one pair of elements in <see cref="AxisIndex"/>: x is the indexed side, y the walked side.</summary>
internal interface IPairOp<T>
{
    static abstract void Apply(T[] x, int xi, T[] y, int yi);
}

/// <summary>torch.gather: y = x.</summary>
internal struct GatherPair<T> : IPairOp<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(T[] x, int xi, T[] y, int yi) => y[yi] = x[xi];
}

/// <summary>torch.scatter_add: x += y.</summary>
internal struct ScatterAddPair : IPairOp<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(float[] x, int xi, float[] y, int yi) => x[xi] += y[yi];
}

/// <summary>
/// Element-wise indexing along one axis (torch.gather / scatter_add): for every position p of the
/// index tensor, x is addressed at p with its <c>axis</c> coordinate replaced by index[p], and y at p.
/// Indices must already be validated; x and y may be arbitrary strided views.
/// </summary>
internal static class AxisIndex
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TOp>(int[] shape, ReadOnlySpan<long> index, int axis,
        T[] x, int xOff, int[] xStrides, T[] y, int yOff, int[] yStrides) where TOp : IPairOp<T>
    {
        int rank = shape.Length;
        int n = index.Length;
        if (n == 0) return;
        int inner = shape[rank - 1];
        int xsAxis = xStrides[axis];
        // The axis coordinate of x comes from the index alone, so its stride drops out of the walk.
        int xsInner = axis == rank - 1 ? 0 : xStrides[rank - 1];
        int ysInner = yStrides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int xo = xOff, yo = yOff;
        for (int k = 0; k < n; k += inner)
        {
            for (int j = 0; j < inner; j++)
                TOp.Apply(x, xo + j * xsInner + (int)index[k + j] * xsAxis, y, yo + j * ysInner);
            for (int d = rank - 2; d >= 0; d--)
            {
                int xs = d == axis ? 0 : xStrides[d];
                idx[d]++;
                xo += xs;
                yo += yStrides[d];
                if (idx[d] < shape[d]) break;
                xo -= xs * shape[d];
                yo -= yStrides[d] * shape[d];
                idx[d] = 0;
            }
        }
    }
}
