using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>How many vectors wide a register tile is (a compile-time constant for the JIT).</summary>
internal interface ITileColumns
{
    static abstract int Vectors { get; }
}

internal struct TileCols1 : ITileColumns { public static int Vectors => 1; }
internal struct TileCols2 : ITileColumns { public static int Vectors => 2; }
internal struct TileCols3 : ITileColumns { public static int Vectors => 3; }
internal struct TileCols4 : ITileColumns { public static int Vectors => 4; }

/// <summary>
/// The block products of the fused attention kernels: C[m, n] (+)= A[m, k] B[k, n] with A strided
/// (so P^T and dS^T are read in place) and B row-major with contiguous rows (K^T and V^T packed
/// once per head, V, Q, K and dO read where they lie). Register-blocked: 6 rows x up to 4 vectors of
/// accumulators (24 of the 32 zmm registers), one broadcast of A per row and step of k.
/// </summary>
internal static unsafe class FlashTiles
{
    public const int TileRows = 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Product<TV, TOps>(int m, int n, int k, float* a, int rsA, int csA, float* b, int ldb,
        float* c, int ldc, bool accumulate) where TV : struct where TOps : IFlashVec<TV>
    {
        if (m <= 0 || n <= 0) return;
        int w = TOps.Width;
        int j = 0;
        for (; j + 4 * w <= n; j += 4 * w) Rows<TV, TOps, TileCols4>(m, k, a, rsA, csA, b + j, ldb, c + j, ldc, accumulate);
        int rest = (n - j) / w;
        if (rest == 3) Rows<TV, TOps, TileCols3>(m, k, a, rsA, csA, b + j, ldb, c + j, ldc, accumulate);
        else if (rest == 2) Rows<TV, TOps, TileCols2>(m, k, a, rsA, csA, b + j, ldb, c + j, ldc, accumulate);
        else if (rest == 1) Rows<TV, TOps, TileCols1>(m, k, a, rsA, csA, b + j, ldb, c + j, ldc, accumulate);
        j += rest * w;
        // Fewer columns than one vector: the same tiles one lane wide.
        if (j < n && w > 1) Product<float, FlashVecScalar>(m, n - j, k, a, rsA, csA, b + j, ldb, c + j, ldc, accumulate);
    }

    private static void Rows<TV, TOps, TN>(int m, int k, float* a, int rsA, int csA, float* b, int ldb,
        float* c, int ldc, bool accumulate) where TV : struct where TOps : IFlashVec<TV> where TN : ITileColumns
    {
        for (int i = 0; i < m; i += TileRows)
            Tile<TV, TOps, TN>(Math.Min(TileRows, m - i), k, a + (long)i * rsA, rsA, csA, b, ldb, c + (long)i * ldc, ldc, accumulate);
    }

    /// <summary>
    /// One 6 x (TN * width) tile. A partial tile (mr &lt; 6) repeats its last row of A, so the loop
    /// is always the full register block; only the first mr rows are stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TV, TOps, TN>(int mr, int k, float* a, int rsA, int csA, float* b, int ldb,
        float* c, int ldc, bool accumulate) where TV : struct where TOps : IFlashVec<TV> where TN : ITileColumns
    {
        int w = TOps.Width;
        float* a0 = a, a1 = a + Math.Min(1, mr - 1) * rsA, a2 = a + Math.Min(2, mr - 1) * rsA;
        float* a3 = a + Math.Min(3, mr - 1) * rsA, a4 = a + Math.Min(4, mr - 1) * rsA, a5 = a + Math.Min(5, mr - 1) * rsA;
        TV c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
        TV c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
        TV c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
        TV c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
        TV c40 = TOps.Zero, c41 = TOps.Zero, c42 = TOps.Zero, c43 = TOps.Zero;
        TV c50 = TOps.Zero, c51 = TOps.Zero, c52 = TOps.Zero, c53 = TOps.Zero;
        long ap = 0;
        for (int p = 0; p < k; p++, ap += csA)
        {
            float* bp = b + (long)p * ldb;
            TV b0 = TOps.Load(bp);
            TV b1 = TN.Vectors > 1 ? TOps.Load(bp + w) : TOps.Zero;
            TV b2 = TN.Vectors > 2 ? TOps.Load(bp + 2 * w) : TOps.Zero;
            TV b3 = TN.Vectors > 3 ? TOps.Load(bp + 3 * w) : TOps.Zero;
            TV x = TOps.Splat(a0[ap]);
            c00 = TOps.MulAdd(x, b0, c00);
            if (TN.Vectors > 1) c01 = TOps.MulAdd(x, b1, c01);
            if (TN.Vectors > 2) c02 = TOps.MulAdd(x, b2, c02);
            if (TN.Vectors > 3) c03 = TOps.MulAdd(x, b3, c03);
            x = TOps.Splat(a1[ap]);
            c10 = TOps.MulAdd(x, b0, c10);
            if (TN.Vectors > 1) c11 = TOps.MulAdd(x, b1, c11);
            if (TN.Vectors > 2) c12 = TOps.MulAdd(x, b2, c12);
            if (TN.Vectors > 3) c13 = TOps.MulAdd(x, b3, c13);
            x = TOps.Splat(a2[ap]);
            c20 = TOps.MulAdd(x, b0, c20);
            if (TN.Vectors > 1) c21 = TOps.MulAdd(x, b1, c21);
            if (TN.Vectors > 2) c22 = TOps.MulAdd(x, b2, c22);
            if (TN.Vectors > 3) c23 = TOps.MulAdd(x, b3, c23);
            x = TOps.Splat(a3[ap]);
            c30 = TOps.MulAdd(x, b0, c30);
            if (TN.Vectors > 1) c31 = TOps.MulAdd(x, b1, c31);
            if (TN.Vectors > 2) c32 = TOps.MulAdd(x, b2, c32);
            if (TN.Vectors > 3) c33 = TOps.MulAdd(x, b3, c33);
            x = TOps.Splat(a4[ap]);
            c40 = TOps.MulAdd(x, b0, c40);
            if (TN.Vectors > 1) c41 = TOps.MulAdd(x, b1, c41);
            if (TN.Vectors > 2) c42 = TOps.MulAdd(x, b2, c42);
            if (TN.Vectors > 3) c43 = TOps.MulAdd(x, b3, c43);
            x = TOps.Splat(a5[ap]);
            c50 = TOps.MulAdd(x, b0, c50);
            if (TN.Vectors > 1) c51 = TOps.MulAdd(x, b1, c51);
            if (TN.Vectors > 2) c52 = TOps.MulAdd(x, b2, c52);
            if (TN.Vectors > 3) c53 = TOps.MulAdd(x, b3, c53);
        }
        StoreRow<TV, TOps, TN>(c, accumulate, c00, c01, c02, c03);
        if (mr > 1) StoreRow<TV, TOps, TN>(c + ldc, accumulate, c10, c11, c12, c13);
        if (mr > 2) StoreRow<TV, TOps, TN>(c + 2L * ldc, accumulate, c20, c21, c22, c23);
        if (mr > 3) StoreRow<TV, TOps, TN>(c + 3L * ldc, accumulate, c30, c31, c32, c33);
        if (mr > 4) StoreRow<TV, TOps, TN>(c + 4L * ldc, accumulate, c40, c41, c42, c43);
        if (mr > 5) StoreRow<TV, TOps, TN>(c + 5L * ldc, accumulate, c50, c51, c52, c53);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TV, TOps, TN>(float* c, bool accumulate, TV v0, TV v1, TV v2, TV v3)
        where TV : struct where TOps : IFlashVec<TV> where TN : ITileColumns
    {
        int w = TOps.Width;
        StoreVector<TV, TOps>(c, accumulate, v0);
        if (TN.Vectors > 1) StoreVector<TV, TOps>(c + w, accumulate, v1);
        if (TN.Vectors > 2) StoreVector<TV, TOps>(c + 2 * w, accumulate, v2);
        if (TN.Vectors > 3) StoreVector<TV, TOps>(c + 3 * w, accumulate, v3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector<TV, TOps>(float* c, bool accumulate, TV v) where TV : struct where TOps : IFlashVec<TV> =>
        TOps.Store(c, accumulate ? TOps.Add(TOps.Load(c), v) : v);

    /// <summary>
    /// dst[c * ldDst + r] = src[r * rowStride + c] for r &lt; rows, c &lt; cols; columns rows..ldDst of
    /// dst are zeroed, so a vector tile may read past the last key.
    /// </summary>
    public static void PackTransposed(float* src, int rows, int rowStride, int cols, float* dst, int ldDst)
    {
        int r = 0;
        if (Simd.Level >= SimdLevel.Avx2)
            for (; r + 8 <= rows; r += 8)
            {
                int c = 0;
                for (; c + 8 <= cols; c += 8) Transpose8x8(src + (long)r * rowStride + c, rowStride, dst + (long)c * ldDst + r, ldDst);
                for (; c < cols; c++)
                    for (int rr = r; rr < r + 8; rr++) dst[(long)c * ldDst + rr] = src[(long)rr * rowStride + c];
            }
        for (; r < rows; r++)
        {
            float* s = src + (long)r * rowStride;
            for (int c = 0; c < cols; c++) dst[(long)c * ldDst + r] = s[c];
        }
        if (rows < ldDst)
            for (int c = 0; c < cols; c++) new Span<float>(dst + (long)c * ldDst + rows, ldDst - rows).Clear();
    }

    /// <summary>An 8 x 8 block transposed in registers: pairs interleaved, then quads, then 128-bit halves swapped.</summary>
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2L * lds);
        var r3 = Avx.LoadVector256(src + 3L * lds);
        var r4 = Avx.LoadVector256(src + 4L * lds);
        var r5 = Avx.LoadVector256(src + 5L * lds);
        var r6 = Avx.LoadVector256(src + 6L * lds);
        var r7 = Avx.LoadVector256(src + 7L * lds);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2L * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3L * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4L * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5L * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6L * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7L * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }
}
