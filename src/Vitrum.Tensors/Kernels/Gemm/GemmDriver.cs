using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The loops around the micro-kernel (BLIS order, in row-major terms): for each block of MC rows of A and
/// each KC-deep slice, A is packed once into Mr-row panels; for each NC-wide block of B, that block is
/// packed into Nr-column panels and the macro-kernel walks A panels (outer: one A panel, 14 x KC = 21 KB,
/// stays in L1) against B panels (inner: the KC x NC block, 720 KB, streams from L2).
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>
    /// Up to this many rows of A, full panels of a row-major B are read in place instead of packed: each B
    /// panel then meets at most a few A panels, too few to repay packing it (measured: 12 x 768 x 768 runs
    /// 2.5x faster in place, 197 x 768 x 768 5% slower, as strided rows start to collide in cache).
    /// </summary>
    public const int InPlaceRows = 64;

    /// <summary>B blocks of at most this many floats (256 KB) are read in place whatever the row count: they stay cached.</summary>
    private const int InPlaceFloats = 64 * 1024;

    /// <summary>
    /// Depth of a packed slice: an A panel (Mr x KC, 21 KB) stays in the 48 KB L1D of a Zen 5 core while B
    /// panels stream past it. Measured on Zen 5 (2048^3, 1576 x 768 x 3072 and 1576 x 3072 x 768): KC 256,
    /// 384, 512, 700 and 1024 with NC 160-960 all within 2% of each other, inside the machine's noise.
    /// </summary>
    public const int KC = 384;

    /// <summary>Columns of a packed B block: KC x NC floats = 720 KB, resident in the 1 MB L2.</summary>
    public const int NC = 480;

    /// <summary>Rows of a packed A block (KC x MC = 4.5 MB, in L3): bounds the shared buffer, not a cache fit.</summary>
    public const int MC = 3072;

    /// <summary>Depth slices of equal size (at most KC each) so no slice is a short remainder.</summary>
    public static int SliceDepth(int k) => (k + CeilDiv(k, KC) - 1) / CeilDiv(k, KC);

    public static int CeilDiv(int a, int b) => (a + b - 1) / b;

    public static int RoundUp(int a, int b) => CeilDiv(a, b) * b;

    /// <summary>The whole GEMM on the calling thread.</summary>
    public static void Serial<TK>(in GemmArgs g) where TK : IGemmKernel
    {
        var bufA = GemmBuffer.Rent();
        var bufB = GemmBuffer.Rent();
        try
        {
            int kcMax = SliceDepth(g.K);
            for (int ic = 0; ic < g.M; ic += MC)
            {
                int mc = Math.Min(MC, g.M - ic);
                float* pa = bufA.Ensure((long)kcMax * RoundUp(mc, TK.Mr));
                for (int pc = 0; pc < g.K; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, g.K - pc);
                    bool add = g.Accumulate || pc > 0;
                    GemmPack.PackA(mc, kc, g.A + ic * g.RsA + pc * g.CsA, g.RsA, g.CsA, pa, TK.Mr);
                    for (int jc = 0; jc < g.N; jc += NC)
                        MultiplyBlock<TK>(mc, Math.Min(NC, g.N - jc), kc, pa, g.B + pc * g.RsB + jc * g.CsB, g.RsB, g.CsB,
                            g.C + ic * g.Ldc + jc, g.Ldc, add, bufB);
                }
            }
        }
        finally
        {
            GemmBuffer.Return(bufA);
            GemmBuffer.Return(bufB);
        }
    }

    /// <summary>
    /// C[rows, cols] (+)= packed A block times the kc x cols block of B at <paramref name="b"/>. B is packed
    /// into <paramref name="buffer"/>, except that with few rows (packing B would cost as much as using it)
    /// the whole-panel part of a row-major B is read in place.
    /// </summary>
    public static void MultiplyBlock<TK>(int rows, int cols, int kc, float* pa, float* b, long rsB, long csB,
        float* c, long ldc, bool add, GemmBuffer buffer) where TK : IGemmKernel
    {
        bool fewUses = rows <= InPlaceRows || (long)kc * cols <= InPlaceFloats;
        int inPlace = csB == 1 && fewUses ? cols / TK.Nr * TK.Nr : 0;
        if (inPlace > 0) Macro<TK>(rows, inPlace, kc, pa, b, 1, rsB, c, ldc, add);
        if (inPlace == cols) return;
        int rest = cols - inPlace;
        float* pb = buffer.Ensure((long)kc * RoundUp(rest, TK.Nr));
        GemmPack.PackB(rest, kc, b + inPlace * csB, rsB, csB, pb, TK.Nr);
        Macro<TK>(rows, rest, kc, pa, pb, kc, TK.Nr, c + inPlace, ldc, add);
    }

    /// <summary>
    /// C[rows, cols] (+)= packed A (rows rounded up to Mr) times B panels, kc deep: the panel of columns
    /// [j, j+Nr) starts at b + j*<paramref name="colStride"/>, its rows <paramref name="ldb"/> apart (packed:
    /// colStride kc, ldb Nr; in place: colStride 1, ldb the row stride). Edge tiles are computed into a
    /// scratch tile and only their valid part is written to C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Macro<TK>(int rows, int cols, int kc, float* pa, float* b, long colStride, long ldb, float* c, long ldc, bool add)
        where TK : IGemmKernel
    {
        int mr = TK.Mr, nr = TK.Nr;
        float* tile = stackalloc float[mr * nr];
        long panelBytes = (long)mr * kc * sizeof(float);
        int calls = CeilDiv(cols, nr);
        long prefetchStep = RoundUp((int)CeilDiv((int)panelBytes, calls), 64);
        for (int i = 0; i < rows; i += mr)
        {
            float* a = pa + (long)i * kc;
            byte* next = (byte*)(a + (long)mr * kc);
            int h = Math.Min(mr, rows - i);
            long ahead = i + mr < rows && Sse.IsSupported ? 0 : panelBytes;
            for (int j = 0; j < cols; j += nr)
            {
                float* bj = b + j * colStride;
                float* cij = c + i * ldc + j;
                int w = Math.Min(nr, cols - j);
                // The next A panel comes from L3: bring a share of it into L2 before each kernel call of this
                // row, so the next row's first call does not stall on it (measured on Zen 5: a kernel walking
                // a fresh A panel per row of calls lost 6% against one reusing a cached panel; this prefetch
                // gained 2-6% at 2048^3 on one thread in three of four interleaved pairs).
                for (long q = ahead; q < Math.Min(ahead + prefetchStep, panelBytes); q += 64) Sse.Prefetch1(next + q);
                ahead += prefetchStep;
                if (h == mr && w == nr)
                {
                    TK.Run(kc, a, bj, ldb, cij, ldc, add);
                    continue;
                }
                TK.RunRows(h, kc, a, bj, ldb, tile, nr, false);
                for (int r = 0; r < h; r++)
                {
                    float* src = tile + r * nr, dst = cij + r * ldc;
                    if (add) for (int q = 0; q < w; q++) dst[q] += src[q];
                    else for (int q = 0; q < w; q++) dst[q] = src[q];
                }
            }
        }
    }
}
