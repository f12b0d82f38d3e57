using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// dst[j] = sum over rows r of src[r * ld + j]: a bias gradient (the output gradient summed over every
/// row). Blocks of up to 8 vectors of columns stay in registers for the whole row walk, so each element
/// is read once; a per-row span add (the generic reduction) pays a call per row of 64-192 floats.
/// Serial: on this 2-core machine memory-bound passes run no faster split over the pool.
/// </summary>
internal static unsafe class ColumnSums
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sum(float* src, int rows, int n, long ld, float* dst)
    {
        int j = 0;
        if (Simd.Level == SimdLevel.Avx512)
        {
            for (; j + 128 <= n; j += 128) Block512(src + j, rows, ld, dst + j, 8);
            for (; j + 16 <= n; j += 16) Block512(src + j, rows, ld, dst + j, 1);
        }
        else if (Simd.Level == SimdLevel.Avx2)
        {
            for (; j + 8 <= n; j += 8)
            {
                var acc = Vector256<float>.Zero;
                for (int r = 0; r < rows; r++) acc += Vector256.Load(src + r * ld + j);
                acc.Store(dst + j);
            }
        }
        for (; j < n; j++)
        {
            float s = 0;
            for (int r = 0; r < rows; r++) s += src[r * ld + j];
            dst[j] = s;
        }
    }

    /// <summary><paramref name="vectors"/> (1 or 8) vectors of 16 columns summed over all rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block512(float* src, int rows, long ld, float* dst, int vectors)
    {
        if (vectors == 1)
        {
            var a = Vector512<float>.Zero;
            for (int r = 0; r < rows; r++) a += Vector512.Load(src + r * ld);
            a.Store(dst);
            return;
        }
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int r = 0; r < rows; r++)
        {
            float* p = src + r * ld;
            a0 += Vector512.Load(p); a1 += Vector512.Load(p + 16); a2 += Vector512.Load(p + 32); a3 += Vector512.Load(p + 48);
            a4 += Vector512.Load(p + 64); a5 += Vector512.Load(p + 80); a6 += Vector512.Load(p + 96); a7 += Vector512.Load(p + 112);
        }
        a0.Store(dst); a1.Store(dst + 16); a2.Store(dst + 32); a3.Store(dst + 48);
        a4.Store(dst + 64); a5.Store(dst + 80); a6.Store(dst + 96); a7.Store(dst + 112);
    }
}
