using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver for tall, narrow products (training vit_mnist: 6272 rows, N and K of
/// 64-256): all of B, packed, is small enough to stay in every core's L2, so the caller packs it once and
/// the rows are cut into pieces that share nothing else. Each piece packs its own rows of A and runs
/// through all columns and depth. No piece waits on another, so a thread descheduled by other work on
/// the machine delays only the piece it holds while the rest run on.
/// </summary>
internal static unsafe class GemmRowParallel
{
    /// <summary>Packed B (every depth slice, N rounded up to Nr) at most this many floats (256 KB): it stays in L2.</summary>
    private const long PackedBFloats = 64 * 1024;

    /// <summary>Pieces wanted per thread: enough for a thread slowed by other work to hand its share to the others.</summary>
    private const int PiecesPerThread = 8;

    /// <summary>A piece has at least this many A panels, so packing and the kernel's start-up stay small against its work.</summary>
    private const int MinPanels = 4;

    /// <summary>Piece height cap in panels: a piece's C rows (at most 16 x 14 rows of N floats) stay in L2 across depth slices.</summary>
    private const int MaxPanels = 16;

    public static bool Suits<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
        => (long)GemmDriver.RoundUp(g.N, TK.Nr) * g.K <= PackedBFloats
           && GemmDriver.CeilDiv(g.M, TK.Mr) >= 2 * threads * MinPanels;

    public static void Run<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
    {
        var job = Job<TK>.Instance ??= new Job<TK>();
        var bufB = GemmBuffer.Rent();
        try
        {
            job.Start(g, threads, bufB);
            WorkerPool.For(job.Pieces, job);
        }
        finally
        {
            GemmBuffer.Return(bufB);
        }
    }

    private sealed class Job<TK> : IParallelJob where TK : IGemmKernel
    {
        [ThreadStatic] public static Job<TK>? Instance;
        private GemmArgs _g;
        private float* _pb;
        private int _kcMax, _pieceRows, _paddedN;

        public int Pieces { get; private set; }

        public void Start(in GemmArgs g, int threads, GemmBuffer bufB)
        {
            _g = g;
            _kcMax = GemmDriver.SliceDepth(g.K);
            _paddedN = GemmDriver.RoundUp(g.N, TK.Nr);
            _pb = bufB.Ensure((long)_paddedN * g.K);
            // Depth slice p of B starts at float pc * paddedN: every slice but the last is kcMax deep.
            for (int pc = 0; pc < g.K; pc += _kcMax)
                GemmPack.PackB(g.N, Math.Min(_kcMax, g.K - pc), g.B + pc * g.RsB, g.RsB, g.CsB, _pb + (long)pc * _paddedN, TK.Nr);
            int panels = GemmDriver.CeilDiv(g.M, TK.Mr);
            int piecePanels = Math.Clamp(GemmDriver.CeilDiv(panels, PiecesPerThread * threads), MinPanels, MaxPanels);
            _pieceRows = piecePanels * TK.Mr;
            Pieces = GemmDriver.CeilDiv(g.M, _pieceRows);
        }

        public void Execute(int index)
        {
            int r0 = index * _pieceRows, rows = Math.Min(_pieceRows, _g.M - r0);
            var bufA = GemmBuffer.Rent();
            try
            {
                float* pa = bufA.Ensure((long)GemmDriver.RoundUp(rows, TK.Mr) * _kcMax);
                for (int pc = 0; pc < _g.K; pc += _kcMax)
                {
                    int kc = Math.Min(_kcMax, _g.K - pc);
                    GemmPack.PackA(rows, kc, _g.A + r0 * _g.RsA + pc * _g.CsA, _g.RsA, _g.CsA, pa, TK.Mr);
                    GemmDriver.Macro<TK>(rows, _g.N, kc, pa, _pb + (long)pc * _paddedN, kc, TK.Nr,
                        _g.C + r0 * _g.Ldc, _g.Ldc, _g.Accumulate || pc > 0);
                }
            }
            finally
            {
                GemmBuffer.Return(bufA);
            }
        }
    }
}
