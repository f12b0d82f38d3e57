using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The loops around the micro-kernel (BLIS order, in row-major terms): for each block of MC rows of A and
/// each KC-deep slice, A is packed once into Mr-row panels; for each NC-wide block of B, that block is
/// packed into Nr-column panels and the macro-kernel walks A panels (outer: one A panel, 12 x KC = 18 KB,
/// stays in L1) against B panels (inner: the KC x NC block, 720 KB, streams from L2).
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Depth of a packed slice: an A panel (Mr x KC) stays in the 32 KB L1D while B panels stream past it.</summary>
    public static readonly int KC = int.Parse(Environment.GetEnvironmentVariable("GKC") ?? "384");

    /// <summary>Columns of a packed B block: KC x NC floats = 720 KB, resident in the 1 MB L2.</summary>
    public static readonly int NC = int.Parse(Environment.GetEnvironmentVariable("GNC") ?? "480");

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
            float* pb = bufB.Ensure((long)kcMax * Math.Min(RoundUp(g.N, TK.Nr), NC));
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
                    {
                        int nc = Math.Min(NC, g.N - jc);
                        GemmPack.PackB(nc, kc, g.B + pc * g.RsB + jc * g.CsB, g.RsB, g.CsB, pb, TK.Nr);
                        Macro<TK>(mc, nc, kc, pa, pb, g.C + ic * g.Ldc + jc, g.Ldc, add);
                    }
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
    /// C[rows, cols] (+)= packed A (rows rounded up to Mr) times packed B (cols rounded up to Nr), kc deep.
    /// Edge tiles are computed into a scratch tile and only their valid part is written to C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Macro<TK>(int rows, int cols, int kc, float* pa, float* pb, float* c, long ldc, bool add) where TK : IGemmKernel
    {
        int mr = TK.Mr, nr = TK.Nr;
        float* tile = stackalloc float[mr * nr];
        for (int i = 0; i < rows; i += mr)
        {
            float* a = pa + (long)i * kc;
            int h = Math.Min(mr, rows - i);
            for (int j = 0; j < cols; j += nr)
            {
                float* b = pb + (long)j * kc;
                float* cij = c + i * ldc + j;
                int w = Math.Min(nr, cols - j);
                if (h == mr && w == nr)
                {
                    TK.Run(kc, a, b, nr, cij, ldc, add);
                    continue;
                }
                TK.Run(kc, a, b, nr, tile, nr, false);
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
