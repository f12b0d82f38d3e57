using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// AVX2 micro-kernel, 6 x 16: 12 ymm accumulators plus two of B and one broadcast of A fit the 16 ymm
/// registers of an AVX2-only machine.
/// </summary>
internal readonly unsafe struct GemmKernel256 : IGemmKernel
{
    public static int Mr => 6;
    public static int Nr => 16;

    // Never inlined: inside a caller's loops the 24 accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Run(int kc, float* a, float* b, long ldb, float* c, long ldc, bool add)
    {
        for (int i = 0; i < 6; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + 8);
        }
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            Vector256<float> x;
            x = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a += 6;
            b += ldb;
        }
        Store(c, c00, c01, add); c += ldc;
        Store(c, c10, c11, add); c += ldc;
        Store(c, c20, c21, add); c += ldc;
        Store(c, c30, c31, add); c += ldc;
        Store(c, c40, c41, add); c += ldc;
        Store(c, c50, c51, add);
    }

    public static void RunRows(int rows, int kc, float* a, float* b, long ldb, float* c, long ldc, bool add)
        => Run(kc, a, b, ldb, c, ldc, add);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> x0, Vector256<float> x1, bool add)
    {
        if (add)
        {
            x0 = Avx.Add(x0, Avx.LoadVector256(c));
            x1 = Avx.Add(x1, Avx.LoadVector256(c + 8));
        }
        Avx.Store(c, x0);
        Avx.Store(c + 8, x1);
    }
}
