using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

/// <summary>x itself: with <see cref="RowSums.Sum{TOp}"/>, a plain (weighted, shifted) sum.</summary>
internal struct IdentityOp : IUnaryOp
{
    public static float Apply(float x) => x;
    public static Vector256<float> Apply(Vector256<float> x) => x;
    public static Vector512<float> Apply(Vector512<float> x) => x;
}

/// <summary>exp by <see cref="VectorMath.Exp(float)"/>, the same bits at every width.</summary>
internal struct PolyExpOp : IUnaryOp
{
    public static float Apply(float x) => VectorMath.Exp(x);
    public static Vector256<float> Apply(Vector256<float> x) => VectorMath.Exp(x);
    public static Vector512<float> Apply(Vector512<float> x) => VectorMath.Exp(x);
}

/// <summary>The row reductions of the fused normalization and loss kernels.</summary>
internal static unsafe class RowSums
{
    /// <summary>
    /// sum_i w_i op(x_i - shift) over a contiguous row (w_i = 1 when <paramref name="w"/> is null): the
    /// row sum, the sum of squared deviations from the mean, the softmax denominator, ...
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum<TOp>(float* x, float* w, float shift, int n) where TOp : IUnaryOp
    {
        int i = 0;
        float s = 0;
        if (Simd.Level == SimdLevel.Avx512 && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            var vs = Vector512.Create(shift);
            for (; i <= n - 16; i += 16)
            {
                var v = TOp.Apply(Vector512.Load(x + i) - vs);
                acc = w == null ? acc + v : Vector512.FusedMultiplyAdd(Vector512.Load(w + i), v, acc);
            }
            s = Vector512.Sum(acc);
        }
        else if (Simd.Level == SimdLevel.Avx2 && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            var vs = Vector256.Create(shift);
            for (; i <= n - 8; i += 8)
            {
                var v = TOp.Apply(Vector256.Load(x + i) - vs);
                acc = w == null ? acc + v : Vector256.FusedMultiplyAdd(Vector256.Load(w + i), v, acc);
            }
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += (w == null ? 1 : w[i]) * TOp.Apply(x[i] - shift);
        return s;
    }
}
