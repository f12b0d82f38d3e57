using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Packing: copies a block of A into Mr-row panels (depth-major: panel[p*Mr + i]) and a block of B into
/// Nr-column panels (panel[p*Nr + j]), zero-padding the last panel, so the micro-kernel reads both
/// operands sequentially whatever their strides. Transposed operands cost nothing extra: a row-major A
/// and a column-major B go through the same 8x8 register transpose, the other two layouts are plain
/// copies, and any other stride falls back to element-wise gathering.
/// </summary>
internal static unsafe class GemmPack
{
    /// <summary>How many source rows ahead the copying packer prefetches.</summary>
    private const int PrefetchRows = 4;

    /// <summary>Packs rows [0, rows) x depth [0, kc) of A (starting at <paramref name="a"/>) into panels of <paramref name="mr"/> rows.</summary>
    public static void PackA(int rows, int kc, float* a, long rsA, long csA, float* dst, int mr)
        => PackPanels(rows, kc, a, rsA, csA, dst, mr);

    /// <summary>Packs depth [0, kc) x columns [0, cols) of B into panels of <paramref name="nr"/> columns.</summary>
    public static void PackB(int cols, int kc, float* b, long rsB, long csB, float* dst, int nr)
        => PackPanels(cols, kc, b, csB, rsB, dst, nr);

    /// <summary>Copies B (k x n, any strides) into the row-major k x n buffer <paramref name="dst"/>.</summary>
    public static void ToRowMajor(int k, int n, float* b, long rsB, long csB, float* dst)
    {
        // Column j of B is line j; a row-major copy is then one panel as wide as B.
        if (rsB == 1 && Simd.Level != SimdLevel.Scalar) Transposed(n, k, b, csB, dst, n);
        else
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++) dst[(long)p * n + j] = b[p * rsB + j * csB];
    }

    /// <summary>
    /// Panels of <paramref name="width"/> lines: panel q holds lines [q*width, (q+1)*width) at dst + q*width*kc,
    /// element (p, r) at [p*width + r]. For A a line is a row of A; for B it is a column of B.
    /// </summary>
    private static void PackPanels(int lines, int kc, float* src, long rStride, long pStride, float* dst, int width)
    {
        if (rStride == 1 && Simd.Level != SimdLevel.Scalar)
        {
            // Lines adjacent in memory: copy depth step by depth step across all panels, so the source is
            // read as whole rows (strided runs of a few hundred bytes defeat the hardware prefetcher).
            CopyAcross(lines, kc, src, pStride, dst, width);
            return;
        }
        for (int r = 0; r < lines; r += width)
            PackPanel(Math.Min(width, lines - r), kc, src + r * rStride, rStride, pStride, dst + (long)r * kc, width);
    }

    /// <summary>
    /// One panel: dst[p*width + r] = src[r*rStride + p*pStride] for r &lt; lines (zero for lines &lt;= r &lt; width).
    /// For A a line is a row of A; for B it is a column of B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPanel(int lines, int kc, float* src, long rStride, long pStride, float* dst, int width)
    {
        if (pStride == 1 && Simd.Level != SimdLevel.Scalar) Transposed(lines, kc, src, rStride, dst, width);
        else
        {
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < lines; r++)
                    dst[(long)p * width + r] = src[r * rStride + p * pStride];
        }
        if (lines < width)
            for (int p = 0; p < kc; p++)
                for (int r = lines; r < width; r++) dst[(long)p * width + r] = 0;
    }

    /// <summary>
    /// Lines contiguous in depth: transpose 8 (or 4) lines x 8 steps at a time in registers. A line count
    /// that is not a multiple of the block ends with a block overlapping the previous one (a 14-row panel
    /// is rows 0-7 and 6-13): rewriting two rows with the same values beats a scalar remainder.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transposed(int lines, int kc, float* src, long ld, float* dst, int width)
    {
        int block = lines >= 8 ? 8 : lines >= 4 ? 4 : 0;
        for (int r = 0; block > 0; r += block)
        {
            if (r + block > lines) r = lines - block;
            float* s = src + r * ld, d = dst + r;
            int p = 0;
            if (block == 8)
                for (; p + 8 <= kc; p += 8) Transpose8x8(s + p, ld, d + (long)p * width, width);
            else
                for (; p + 8 <= kc; p += 8) Transpose4x8(s + p, ld, d + (long)p * width, width);
            for (; p < kc; p++)
                for (int q = 0; q < block; q++) d[(long)p * width + q] = s[q * ld + p];
            if (r + block == lines) return;
        }
        for (int r = 0; r < lines; r++)
            for (int p = 0; p < kc; p++) dst[(long)p * width + r] = src[r * ld + p];
    }

    /// <summary>Lines adjacent in memory: each depth step is a contiguous run of <paramref name="lines"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyAcross(int lines, int kc, float* src, long ld, float* dst, int width)
    {
        long panelSize = (long)width * kc;
        for (int p = 0; p < kc; p++)
        {
            float* s = src + p * ld, d = dst + (long)p * width;
            // Each source row is a short run in its own page, too short for the hardware prefetcher to catch.
            for (int q = 0; q < lines; q += 16) Sse.Prefetch0(s + PrefetchRows * ld + q);
            int r = 0;
            for (; r + width <= lines; r += width, d += panelSize)
            {
                int q = 0;
                for (; q + 8 <= width; q += 8) Avx.Store(d + q, Avx.LoadVector256(s + r + q));
                for (; q + 4 <= width; q += 4) Sse.Store(d + q, Sse.LoadVector128(s + r + q));
                for (; q < width; q++) d[q] = s[r + q];
            }
            if (r < lines)
            {
                int q = 0;
                for (; r + q < lines; q++) d[q] = s[r + q];
                for (; q < width; q++) d[q] = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, long ld, float* d, int width)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ld);
        var r2 = Avx.LoadVector256(s + 2 * ld); var r3 = Avx.LoadVector256(s + 3 * ld);
        var r4 = Avx.LoadVector256(s + 4 * ld); var r5 = Avx.LoadVector256(s + 5 * ld);
        var r6 = Avx.LoadVector256(s + 6 * ld); var r7 = Avx.LoadVector256(s + 7 * ld);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + width, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * width, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * width, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * width, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * width, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * width, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * width, Avx.Permute2x128(u3, u7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x8(float* s, long ld, float* d, int width)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ld);
        var r2 = Avx.LoadVector256(s + 2 * ld); var r3 = Avx.LoadVector256(s + 3 * ld);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        // u_q holds steps q (low half) and q+4 (high half) of the four lines.
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        Sse.Store(d, u0.GetLower()); Sse.Store(d + 4 * width, u0.GetUpper());
        Sse.Store(d + width, u1.GetLower()); Sse.Store(d + 5 * width, u1.GetUpper());
        Sse.Store(d + 2 * width, u2.GetLower()); Sse.Store(d + 6 * width, u2.GetUpper());
        Sse.Store(d + 3 * width, u3.GetLower()); Sse.Store(d + 7 * width, u3.GetUpper());
    }
}
