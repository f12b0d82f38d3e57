using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The small-matrix path (AVX-512): for problems of a few hundred thousand multiply-adds (attention in
/// Swin windows and TNT inner blocks, 16-64 rows) packing and edge tiles cost more than the arithmetic,
/// so A is read in place through broadcasts (any strides) and B as rows of 32 columns with masked loads;
/// only a B whose rows are not contiguous is first copied into a row-major scratch (a register
/// transpose when its columns are contiguous, as in Q K^T). Tiles of 4 rows x 32 columns keep 8
/// accumulators; a B panel (k x 32) stays in L1 while all rows pass over it.
/// </summary>
internal static unsafe class GemmSmall
{
    /// <summary>
    /// Problems up to this many multiply-adds take this path: measured faster than packing for every shape
    /// tried up to 64 x 64 x 64 (5x at 16 x 16 x 24, 1.3-1.5x at 49 x 49 x 32), even at 100 x 100 x 25.
    /// </summary>
    public const double Work = 64 * 64 * 64;

    /// <summary>
    /// Larger products with few output columns also take this path: a linear layer of few features over many
    /// rows (TNT's 16-wide inner blocks, Swin's 32-wide first stage over batch x tokens rows). The packed path
    /// there copies all of A for a few depth steps per tile and finishes every 16-wide edge tile through a
    /// scratch tile. Measured on Zen 5, one thread, 25088 rows (<c>bench gemm-skinny</c>): X W^T 16 -> 16 features
    /// 72 vs 36 GFLOP/s, 128 -> 32 147 vs 86; dY W 48 -> 16 72 vs 41; the weight gradient dY^T X over the 25088-deep
    /// batch 16 x 16 61 vs 13, 48 x 16 49 vs 27, but 96 x 32 89 vs 103 (the packed path wins once the columns fill
    /// a 32-wide tile and the depth is long), and 64 or more columns 0.5-1x.
    /// </summary>
    public static bool SuitsSkinny(in GemmArgs g) => g.N <= 48 && (g.K <= 512 || g.N <= 16);

    public static void Run(in GemmArgs g)
    {
        if (g.CsB == 1)
        {
            Multiply(g, g.B, g.RsB);
            return;
        }
        var scratch = GemmBuffer.Rent();
        try
        {
            float* b = scratch.Ensure((long)g.K * g.N);
            GemmPack.ToRowMajor(g.K, g.N, g.B, g.RsB, g.CsB, b);
            Multiply(g, b, g.N);
        }
        finally
        {
            GemmBuffer.Return(scratch);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply(in GemmArgs g, float* b, long ldb)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int j = 0; j < g.N; j += 32)
        {
            int w = Math.Min(32, g.N - j);
            var m0 = Vector512.LessThan(lane, Vector512.Create(w)).AsSingle();
            var m1 = Vector512.LessThan(lane, Vector512.Create(w - 16)).AsSingle();
            int i = 0;
            if (w <= 16)
                for (; i + 8 <= g.M; i += 8)
                    Rows8(g.K, g.A + i * g.RsA, g.RsA, g.CsA, b + j, ldb, g.C + i * g.Ldc + j, g.Ldc, m0, g.Accumulate);
            for (; i + 4 <= g.M; i += 4)
                Rows4(g.K, g.A + i * g.RsA, g.RsA, g.CsA, b + j, ldb, g.C + i * g.Ldc + j, g.Ldc, m0, m1, g.Accumulate);
            for (; i < g.M; i++)
                Row1(g.K, g.A + i * g.RsA, g.CsA, b + j, ldb, g.C + i * g.Ldc + j, m0, m1, g.Accumulate);
        }
    }

    /// <summary>C[0..4, 0..32] (+)= A[0..4, 0..k] B[0..k, 0..32], B rows <paramref name="ldb"/> apart, columns masked by m0/m1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Rows4(int k, float* a, long rsA, long csA, float* b, long ldb, float* c, long ldc,
        Vector512<float> m0, Vector512<float> m1, bool add)
    {
        float* a0 = a, a1 = a + rsA, a2 = a + 2 * rsA, a3 = a + 3 * rsA;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default;
        var zero = Vector512<float>.Zero;
        long csA2 = 2 * csA, ldb2 = 2 * ldb;
        // Two depth steps per iteration: the second step's operands are [a + csA] and [b + ldb], plain
        // addressing modes, which halves the pointer updates competing with the FMAs for issue slots.
        int p = 0;
        for (; p + 2 <= k; p += 2)
        {
            var b0 = Avx512F.MaskLoad(b, m0, zero);
            var b1 = Avx512F.MaskLoad(b + 16, m1, zero);
            Vector512<float> x;
            x = Vector512.Create(a0[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[0]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[0]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[0]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            b0 = Avx512F.MaskLoad(b + ldb, m0, zero);
            b1 = Avx512F.MaskLoad(b + ldb + 16, m1, zero);
            x = Vector512.Create(a0[csA]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[csA]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[csA]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[csA]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            a0 += csA2; a1 += csA2; a2 += csA2; a3 += csA2;
            b += ldb2;
        }
        if (p < k)
        {
            var b0 = Avx512F.MaskLoad(b, m0, zero);
            var b1 = Avx512F.MaskLoad(b + 16, m1, zero);
            Vector512<float> x;
            x = Vector512.Create(*a0); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(*a1); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(*a2); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(*a3); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
        }
        Store(c, c00, c01, m0, m1, add); c += ldc;
        Store(c, c10, c11, m0, m1, add); c += ldc;
        Store(c, c20, c21, m0, m1, add); c += ldc;
        Store(c, c30, c31, m0, m1, add);
    }

    /// <summary>
    /// C[0..8, 0..16] (+)= A[0..8, 0..k] B[0..k, 0..16], columns masked by <paramref name="m"/>: a last strip of at most
    /// 16 columns, where <see cref="Rows4"/> would spend half its multiply-adds on masked-off lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Rows8(int k, float* a, long rsA, long csA, float* b, long ldb, float* c, long ldc, Vector512<float> m, bool add)
    {
        float* a0 = a, a4 = a + 4 * rsA;
        long r2 = 2 * rsA, r3 = 3 * rsA;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        var zero = Vector512<float>.Zero;
        for (int p = 0; p < k; p++)
        {
            var bv = Avx512F.MaskLoad(b, m, zero);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[0]), bv, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[rsA]), bv, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[r2]), bv, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[r3]), bv, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a4[0]), bv, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a4[rsA]), bv, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a4[r2]), bv, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a4[r3]), bv, c7);
            a0 += csA; a4 += csA;
            b += ldb;
        }
        Store1(c, c0, m, add); c += ldc;
        Store1(c, c1, m, add); c += ldc;
        Store1(c, c2, m, add); c += ldc;
        Store1(c, c3, m, add); c += ldc;
        Store1(c, c4, m, add); c += ldc;
        Store1(c, c5, m, add); c += ldc;
        Store1(c, c6, m, add); c += ldc;
        Store1(c, c7, m, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store1(float* c, Vector512<float> x, Vector512<float> m, bool add)
    {
        if (add) x = Avx512F.Add(x, Avx512F.MaskLoad(c, m, Vector512<float>.Zero));
        Avx512F.MaskStore(c, m, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Row1(int k, float* a, long csA, float* b, long ldb, float* c,
        Vector512<float> m0, Vector512<float> m1, bool add)
    {
        Vector512<float> c0 = default, c1 = default;
        var zero = Vector512<float>.Zero;
        for (int p = 0; p < k; p++)
        {
            var x = Vector512.Create(*a);
            c0 = Avx512F.FusedMultiplyAdd(x, Avx512F.MaskLoad(b, m0, zero), c0);
            c1 = Avx512F.FusedMultiplyAdd(x, Avx512F.MaskLoad(b + 16, m1, zero), c1);
            a += csA;
            b += ldb;
        }
        Store(c, c0, c1, m0, m1, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> m0, Vector512<float> m1, bool add)
    {
        if (add)
        {
            x0 = Avx512F.Add(x0, Avx512F.MaskLoad(c, m0, Vector512<float>.Zero));
            x1 = Avx512F.Add(x1, Avx512F.MaskLoad(c + 16, m1, Vector512<float>.Zero));
        }
        Avx512F.MaskStore(c, m0, x0);
        Avx512F.MaskStore(c + 16, m1, x1);
    }
}
