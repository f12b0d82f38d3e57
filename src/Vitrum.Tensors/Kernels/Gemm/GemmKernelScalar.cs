using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Portable micro-kernel, 4 x 4: 16 scalar accumulators stay in registers on any 64-bit target. Used
/// where neither AVX2 nor AVX-512 is available (or when tests force it).
/// </summary>
internal readonly unsafe struct GemmKernelScalar : IGemmKernel
{
    public static int Mr => 4;
    public static int Nr => 4;

    // Never inlined: inside a caller's loops the 24 accumulators would compete for registers and spill.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Run(int kc, float* a, float* b, long ldb, float* c, long ldc, bool add)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float x = a[0];
            c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3;
            x = a[1];
            c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3;
            x = a[2];
            c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3;
            x = a[3];
            c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3;
            a += 4;
            b += ldb;
        }
        Store(c, c00, c01, c02, c03, add); c += ldc;
        Store(c, c10, c11, c12, c13, add); c += ldc;
        Store(c, c20, c21, c22, c23, add); c += ldc;
        Store(c, c30, c31, c32, c33, add);
    }

    public static void RunRows(int rows, int kc, float* a, float* b, long ldb, float* c, long ldc, bool add)
        => Run(kc, a, b, ldb, c, ldc, add);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, float x0, float x1, float x2, float x3, bool add)
    {
        if (add) { c[0] += x0; c[1] += x1; c[2] += x2; c[3] += x3; }
        else { c[0] = x0; c[1] = x1; c[2] = x2; c[3] = x3; }
    }
}
