using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// AVX-512 micro-kernel, 14 x 32: 28 zmm accumulators, two zmm of B and one broadcast of A per depth
/// step (31 of the 32 zmm registers), so 28 FMAs per 2 vector loads and 14 broadcasts. FMA latency 4 x
/// 2 ports needs at least 8 independent chains, on Skylake-SP and on Zen 5 alike; the front end, not
/// the FMA ports, is the tighter limit, and 14 rows beat 12 by 2-3% on Skylake-SP. On Zen 5 the kernel
/// alone runs at 93-98% of the register-only FMA loop with its B panels streaming from L2. The small
/// path's 4-row kernel finishes a last panel of at most 4 rows.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmKernel
{
    public static int Mr => 14;
    public static int Nr => 32;
    private const int PF = 8;

    // Never inlined: inside a caller's loops the 24 accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Run(int kc, float* a, float* b, long ldb, float* c, long ldc, bool add)
    {
        // The C tile is needed only after the whole depth loop: fetch its 24 lines now so they arrive in time.
        for (int i = 0; i < 14; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + 16);
        }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
            c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default, cc0 = default, cc1 = default, cd0 = default, cd1 = default;
        for (int p = 0; p < kc; p++)
        {
            Sse.Prefetch0(b + PF * ldb);
            Sse.Prefetch0(b + PF * ldb + 16);
            var b0 = Avx512F.LoadVector512(b);
            var b1 = Avx512F.LoadVector512(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Avx512F.FusedMultiplyAdd(x, b0, c80); c81 = Avx512F.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Avx512F.FusedMultiplyAdd(x, b0, c90); c91 = Avx512F.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]); ca0 = Avx512F.FusedMultiplyAdd(x, b0, ca0); ca1 = Avx512F.FusedMultiplyAdd(x, b1, ca1);
            x = Vector512.Create(a[11]); cb0 = Avx512F.FusedMultiplyAdd(x, b0, cb0); cb1 = Avx512F.FusedMultiplyAdd(x, b1, cb1);
            x = Vector512.Create(a[12]); cc0 = Avx512F.FusedMultiplyAdd(x, b0, cc0); cc1 = Avx512F.FusedMultiplyAdd(x, b1, cc1);
            x = Vector512.Create(a[13]); cd0 = Avx512F.FusedMultiplyAdd(x, b0, cd0); cd1 = Avx512F.FusedMultiplyAdd(x, b1, cd1);
            a += 14;
            b += ldb;
        }
        Store(c, c00, c01, add); c += ldc;
        Store(c, c10, c11, add); c += ldc;
        Store(c, c20, c21, add); c += ldc;
        Store(c, c30, c31, add); c += ldc;
        Store(c, c40, c41, add); c += ldc;
        Store(c, c50, c51, add); c += ldc;
        Store(c, c60, c61, add); c += ldc;
        Store(c, c70, c71, add); c += ldc;
        Store(c, c80, c81, add); c += ldc;
        Store(c, c90, c91, add); c += ldc;
        Store(c, ca0, ca1, add); c += ldc;
        Store(c, cb0, cb1, add); c += ldc;
        Store(c, cc0, cc1, add); c += ldc;
        Store(c, cd0, cd1, add);
    }

    public static void RunRows(int rows, int kc, float* a, float* b, long ldb, float* c, long ldc, bool add)
    {
        // Rows 0-3 of the panel: A(i, p) = a[p*14 + i]. For a last panel of 1-4 rows, 3.5x less work.
        if (rows <= 4) GemmSmall.Rows4(kc, a, 1, 14, b, ldb, c, ldc, Vector512<float>.AllBitsSet, Vector512<float>.AllBitsSet, add);
        else Run(kc, a, b, ldb, c, ldc, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> x0, Vector512<float> x1, bool add)
    {
        if (add)
        {
            x0 = Avx512F.Add(x0, Avx512F.LoadVector512(c));
            x1 = Avx512F.Add(x1, Avx512F.LoadVector512(c + 16));
        }
        Avx512F.Store(c, x0);
        Avx512F.Store(c + 16, x1);
    }
}
