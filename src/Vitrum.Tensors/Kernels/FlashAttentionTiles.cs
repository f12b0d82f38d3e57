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

/// <summary>Whether a tile's last vector column is partial (masked loads of B, masked stores of C).</summary>
internal interface ITileEdge
{
    static abstract bool Partial { get; }
}

internal struct WholeEdge : ITileEdge { public static bool Partial => false; }
internal struct PartialEdge : ITileEdge { public static bool Partial => true; }

/// <summary>
/// The block products of the fused attention kernels: C[m, n] (+)= A[m, k] B[k, n] with A strided
/// (so P^T and dS^T are read in place) and B row-major with contiguous rows (K^T and V^T packed
/// once per head, V, Q, K and dO read where they lie). Register-blocked: 6 rows x up to 4 vectors of
/// accumulators (24 of the 32 zmm registers), one broadcast of A per row and step of k. A partial
/// last vector of columns is read and written masked, never past the row's end.
/// </summary>
internal static unsafe class FlashTiles
{
    public const int TileRows = 6;

    /// <summary>Rows of the one-vector-wide tile.</summary>
    public const int TallRows = 8;

    /// <summary>
    /// C[m, n] (+)= A[m, k] B[k, n]. Columns go in tiles of 4 vectors; the last tile takes the 1-3
    /// vectors left, its last one masked when n is not a whole number of vectors (head dims 8, 24,
    /// 40...), so no column ever runs scalar.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Product<TV, TOps>(int m, int n, int k, float* a, int rsA, int csA, float* b, int ldb,
        float* c, int ldc, bool accumulate) where TV : struct where TOps : IFlashVec<TV>
    {
        if (m <= 0 || n <= 0) return;
        int w = TOps.Width;
        int j = 0;
        for (; j + 4 * w <= n; j += 4 * w) Rows<TV, TOps, TileCols4, WholeEdge>(m, k, a, rsA, csA, b + j, ldb, c + j, ldc, accumulate, default);
        int left = n - j;
        if (left == 0) return;
        int vectors = (left + w - 1) / w;
        b += j;
        c += j;
        if (left % w == 0)
        {
            if (vectors == 3) Rows<TV, TOps, TileCols3, WholeEdge>(m, k, a, rsA, csA, b, ldb, c, ldc, accumulate, default);
            else if (vectors == 2) Rows<TV, TOps, TileCols2, WholeEdge>(m, k, a, rsA, csA, b, ldb, c, ldc, accumulate, default);
            else Rows<TV, TOps, TileCols1, WholeEdge>(m, k, a, rsA, csA, b, ldb, c, ldc, accumulate, default);
            return;
        }
        var edge = TOps.TailMask(left % w);
        if (vectors == 4) Rows<TV, TOps, TileCols4, PartialEdge>(m, k, a, rsA, csA, b, ldb, c, ldc, accumulate, edge);
        else if (vectors == 3) Rows<TV, TOps, TileCols3, PartialEdge>(m, k, a, rsA, csA, b, ldb, c, ldc, accumulate, edge);
        else if (vectors == 2) Rows<TV, TOps, TileCols2, PartialEdge>(m, k, a, rsA, csA, b, ldb, c, ldc, accumulate, edge);
        else Rows<TV, TOps, TileCols1, PartialEdge>(m, k, a, rsA, csA, b, ldb, c, ldc, accumulate, edge);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TV, TOps, TN, TE>(int m, int k, float* a, int rsA, int csA, float* b, int ldb,
        float* c, int ldc, bool accumulate, TV edge) where TV : struct where TOps : IFlashVec<TV> where TN : ITileColumns where TE : ITileEdge
    {
        int i = 0;
        // One vector of columns (head dims up to 16 lanes): 6 accumulators are fewer than the FMA
        // pipes' latency x throughput (8), so whole 8-row tiles go first, the 6-row tile takes the rest.
        if (TN.Vectors == 1)
            for (; i + TallRows <= m; i += TallRows)
                TallTile<TV, TOps, TE>(k, a + (long)i * rsA, rsA, csA, b, ldb, c + (long)i * ldc, ldc, accumulate, edge);
        for (; i < m; i += TileRows)
            Tile<TV, TOps, TN, TE>(Math.Min(TileRows, m - i), k, a + (long)i * rsA, rsA, csA, b, ldb, c + (long)i * ldc, ldc, accumulate, edge);
    }

    /// <summary>One row of a tile's accumulators (TN of the four are used).</summary>
    private struct TileRow<TV> where TV : struct
    {
        public TV V0, V1, V2, V3;
    }

    /// <summary>
    /// One 6 x (TN * width) tile. A partial tile (mr &lt; 6) repeats its last row of A, so the loop
    /// is always the full register block; only the first mr rows are stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TV, TOps, TN, TE>(int mr, int k, float* a, int rsA, int csA, float* b, int ldb,
        float* c, int ldc, bool accumulate, TV edge) where TV : struct where TOps : IFlashVec<TV> where TN : ITileColumns where TE : ITileEdge
    {
        int w = TOps.Width;
        float* a0 = a, a1 = a + Math.Min(1, mr - 1) * rsA, a2 = a + Math.Min(2, mr - 1) * rsA;
        float* a3 = a + Math.Min(3, mr - 1) * rsA, a4 = a + Math.Min(4, mr - 1) * rsA, a5 = a + Math.Min(5, mr - 1) * rsA;
        TileRow<TV> r0 = default, r1 = default, r2 = default, r3 = default, r4 = default, r5 = default;
        long ap = 0;
        for (int p = 0; p < k; p++, ap += csA)
        {
            float* bp = b + (long)p * ldb;
            TV b0 = LoadB<TV, TOps, TN, TE>(bp, 0, edge);
            TV b1 = TN.Vectors > 1 ? LoadB<TV, TOps, TN, TE>(bp + w, 1, edge) : TOps.Zero;
            TV b2 = TN.Vectors > 2 ? LoadB<TV, TOps, TN, TE>(bp + 2 * w, 2, edge) : TOps.Zero;
            TV b3 = TN.Vectors > 3 ? LoadB<TV, TOps, TN, TE>(bp + 3 * w, 3, edge) : TOps.Zero;
            Step<TV, TOps, TN>(ref r0, a0[ap], b0, b1, b2, b3);
            Step<TV, TOps, TN>(ref r1, a1[ap], b0, b1, b2, b3);
            Step<TV, TOps, TN>(ref r2, a2[ap], b0, b1, b2, b3);
            Step<TV, TOps, TN>(ref r3, a3[ap], b0, b1, b2, b3);
            Step<TV, TOps, TN>(ref r4, a4[ap], b0, b1, b2, b3);
            Step<TV, TOps, TN>(ref r5, a5[ap], b0, b1, b2, b3);
        }
        StoreRow<TV, TOps, TN, TE>(c, accumulate, r0, edge);
        if (mr > 1) StoreRow<TV, TOps, TN, TE>(c + ldc, accumulate, r1, edge);
        if (mr > 2) StoreRow<TV, TOps, TN, TE>(c + 2L * ldc, accumulate, r2, edge);
        if (mr > 3) StoreRow<TV, TOps, TN, TE>(c + 3L * ldc, accumulate, r3, edge);
        if (mr > 4) StoreRow<TV, TOps, TN, TE>(c + 4L * ldc, accumulate, r4, edge);
        if (mr > 5) StoreRow<TV, TOps, TN, TE>(c + 5L * ldc, accumulate, r5, edge);
    }

    /// <summary>A whole 8 x 1-vector tile: 8 independent FMA chains, one load of B and 8 broadcasts of A per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TallTile<TV, TOps, TE>(int k, float* a, int rsA, int csA, float* b, int ldb,
        float* c, int ldc, bool accumulate, TV edge) where TV : struct where TOps : IFlashVec<TV> where TE : ITileEdge
    {
        float* a0 = a, a1 = a + rsA, a2 = a + 2L * rsA, a3 = a + 3L * rsA;
        float* a4 = a + 4L * rsA, a5 = a + 5L * rsA, a6 = a + 6L * rsA, a7 = a + 7L * rsA;
        TV c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero, c4 = TOps.Zero, c5 = TOps.Zero, c6 = TOps.Zero, c7 = TOps.Zero;
        long ap = 0;
        for (int p = 0; p < k; p++, ap += csA)
        {
            TV bv = LoadB<TV, TOps, TileCols1, TE>(b + (long)p * ldb, 0, edge);
            c0 = TOps.MulAdd(TOps.Splat(a0[ap]), bv, c0);
            c1 = TOps.MulAdd(TOps.Splat(a1[ap]), bv, c1);
            c2 = TOps.MulAdd(TOps.Splat(a2[ap]), bv, c2);
            c3 = TOps.MulAdd(TOps.Splat(a3[ap]), bv, c3);
            c4 = TOps.MulAdd(TOps.Splat(a4[ap]), bv, c4);
            c5 = TOps.MulAdd(TOps.Splat(a5[ap]), bv, c5);
            c6 = TOps.MulAdd(TOps.Splat(a6[ap]), bv, c6);
            c7 = TOps.MulAdd(TOps.Splat(a7[ap]), bv, c7);
        }
        bool partial = TE.Partial;
        StoreVector<TV, TOps>(c, accumulate, c0, partial, edge);
        StoreVector<TV, TOps>(c + ldc, accumulate, c1, partial, edge);
        StoreVector<TV, TOps>(c + 2L * ldc, accumulate, c2, partial, edge);
        StoreVector<TV, TOps>(c + 3L * ldc, accumulate, c3, partial, edge);
        StoreVector<TV, TOps>(c + 4L * ldc, accumulate, c4, partial, edge);
        StoreVector<TV, TOps>(c + 5L * ldc, accumulate, c5, partial, edge);
        StoreVector<TV, TOps>(c + 6L * ldc, accumulate, c6, partial, edge);
        StoreVector<TV, TOps>(c + 7L * ldc, accumulate, c7, partial, edge);
    }

    /// <summary>Vector <paramref name="index"/> of a row of B: masked when it is the partial last one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV LoadB<TV, TOps, TN, TE>(float* p, int index, TV edge)
        where TV : struct where TOps : IFlashVec<TV> where TN : ITileColumns where TE : ITileEdge =>
        TE.Partial && index == TN.Vectors - 1 ? TOps.LoadMasked(p, edge) : TOps.Load(p);

    /// <summary>row += a * [b0 b1 b2 b3] (the first TN vectors).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TV, TOps, TN>(ref TileRow<TV> row, float a, TV b0, TV b1, TV b2, TV b3)
        where TV : struct where TOps : IFlashVec<TV> where TN : ITileColumns
    {
        TV x = TOps.Splat(a);
        row.V0 = TOps.MulAdd(x, b0, row.V0);
        if (TN.Vectors > 1) row.V1 = TOps.MulAdd(x, b1, row.V1);
        if (TN.Vectors > 2) row.V2 = TOps.MulAdd(x, b2, row.V2);
        if (TN.Vectors > 3) row.V3 = TOps.MulAdd(x, b3, row.V3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TV, TOps, TN, TE>(float* c, bool accumulate, in TileRow<TV> row, TV edge)
        where TV : struct where TOps : IFlashVec<TV> where TN : ITileColumns where TE : ITileEdge
    {
        int w = TOps.Width;
        StoreVector<TV, TOps>(c, accumulate, row.V0, TE.Partial && TN.Vectors == 1, edge);
        if (TN.Vectors > 1) StoreVector<TV, TOps>(c + w, accumulate, row.V1, TE.Partial && TN.Vectors == 2, edge);
        if (TN.Vectors > 2) StoreVector<TV, TOps>(c + 2 * w, accumulate, row.V2, TE.Partial && TN.Vectors == 3, edge);
        if (TN.Vectors > 3) StoreVector<TV, TOps>(c + 3 * w, accumulate, row.V3, TE.Partial && TN.Vectors == 4, edge);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector<TV, TOps>(float* c, bool accumulate, TV v, bool partial, TV edge) where TV : struct where TOps : IFlashVec<TV>
    {
        if (partial) TOps.StoreMasked(c, accumulate ? TOps.Add(TOps.LoadMasked(c, edge), v) : v, edge);
        else TOps.Store(c, accumulate ? TOps.Add(TOps.Load(c), v) : v);
    }

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
