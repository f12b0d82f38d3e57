using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver that packs all of B once, shared, and cuts the rows into pieces that share
/// nothing else: each piece packs its own rows of A and runs through all columns and depth. Two cases:
/// tall, narrow products (training vit_mnist: 6272 rows, N and K of 64-256), whose packed B is small
/// enough to stay in every core's L2 and is packed by the caller; and large products (2048^3, ViT's
/// 1576-row layers over a depth of 1536-3072), whose packed B (at most 24 MB, read from L3) is packed by
/// the first pieces, NC columns of one depth slice each, before the row pieces start. Every operand is
/// then packed exactly once, as on one thread: cutting C into independent blocks instead packs A once per
/// column block and B once per row block (2048^3 on 2 threads as 2 x 2 blocks: 2.2 ms of packing per
/// thread against 1.1 ms here, in a 37 ms product). Measured on Zen 5, 2048^3 on 2 threads, interleaved
/// in one process: 437-446 GF/s against 433-443 for the 2 x 2 blocks, so the saving is about 1%; what
/// bounds both is the per-thread rate (two private 1024-row halves run side by side reach only 2 x 225).
/// Row pieces wait only on the packing; a thread descheduled by other work delays only the piece it
/// holds while the rest run on.
/// </summary>
internal static unsafe class GemmRowParallel
{
    /// <summary>Packed B (every depth slice, N rounded up to Nr) at most this many floats (256 KB): it stays in L2.</summary>
    private const long PackedBFloats = 64 * 1024;

    /// <summary>Packed B shared through L3 (32 MB here) up to this many floats (24 MB), next to the rows of A and C in use.</summary>
    private const long SharedBFloats = 6L << 20;

    /// <summary>Pieces wanted per thread for an L2-resident B: enough for a thread slowed by other work to hand its share to the others.</summary>
    private const int PiecesPerThread = 8;

    /// <summary>
    /// Pieces per thread for a shared B from L3: two, as each piece reads all of packed B once and reuses
    /// each KC x NC block of it for its own A panels only; taller pieces reuse it more.
    /// </summary>
    private const int SharedPiecesPerThread = 2;

    /// <summary>A piece has at least this many A panels, so packing and the kernel's start-up stay small against its work.</summary>
    private const int MinPanels = 4;

    /// <summary>Piece height cap in panels for an L2-resident B: a piece's C rows (at most 16 x 14 rows of N floats) stay in L2 across depth slices.</summary>
    private const int MaxPanels = 16;

    /// <summary>Tall, narrow products: B packed by the caller stays in L2.</summary>
    public static bool Suits<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
        => PackedB<TK>(g) <= PackedBFloats && EnoughRows<TK>(g, threads);

    /// <summary>Large products: B packed by the first pieces is shared through L3.</summary>
    public static bool SuitsShared<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
        => PackedB<TK>(g) <= SharedBFloats && EnoughRows<TK>(g, threads);

    private static long PackedB<TK>(in GemmArgs g) where TK : IGemmKernel => (long)GemmDriver.RoundUp(g.N, TK.Nr) * g.K;

    private static bool EnoughRows<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
        => GemmDriver.CeilDiv(g.M, TK.Mr) >= 2 * threads * MinPanels;

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
        private int _kcMax, _pieceRows, _paddedN, _blockCols, _colBlocks, _packs;
        // Pack pieces finished.
        private int _packed;

        public int Pieces { get; private set; }

        public void Start(in GemmArgs g, int threads, GemmBuffer bufB)
        {
            _g = g;
            _kcMax = GemmDriver.SliceDepth(g.K);
            _paddedN = GemmDriver.RoundUp(g.N, TK.Nr);
            _pb = bufB.Ensure((long)_paddedN * g.K);
            int panels = GemmDriver.CeilDiv(g.M, TK.Mr);
            _packed = 0;
            if ((long)_paddedN * g.K <= PackedBFloats)
            {
                _packs = 0;
                _blockCols = g.N;
                for (int pc = 0; pc < g.K; pc += _kcMax) PackSlice(pc, 0, g.N);
                _pieceRows = Math.Clamp(GemmDriver.CeilDiv(panels, PiecesPerThread * threads), MinPanels, MaxPanels) * TK.Mr;
            }
            else
            {
                _blockCols = GemmDriver.NC;
                _colBlocks = GemmDriver.CeilDiv(g.N, _blockCols);
                _packs = GemmDriver.CeilDiv(g.K, _kcMax) * _colBlocks;
                _pieceRows = Math.Max(MinPanels, GemmDriver.CeilDiv(panels, SharedPiecesPerThread * threads)) * TK.Mr;
            }
            Pieces = _packs + GemmDriver.CeilDiv(g.M, _pieceRows);
        }

        /// <summary>
        /// Columns [j0, j0 + cols) of the depth slice starting at <paramref name="pc"/>: the slice lives at
        /// float pc * paddedN (every slice but the last is kcMax deep), its panel for column j at j * kc.
        /// </summary>
        private void PackSlice(int pc, int j0, int cols)
        {
            int kc = Math.Min(_kcMax, _g.K - pc);
            GemmPack.PackB(cols, kc, _g.B + pc * _g.RsB + j0 * _g.CsB, _g.RsB, _g.CsB, _pb + (long)pc * _paddedN + (long)j0 * kc, TK.Nr);
        }

        public void Execute(int index)
        {
            if (index < _packs)
            {
                try
                {
                    int j0 = index % _colBlocks * _blockCols;
                    PackSlice(index / _colBlocks * _kcMax, j0, Math.Min(_blockCols, _g.N - j0));
                }
                finally
                {
                    Interlocked.Increment(ref _packed);
                }
                return;
            }
            var spin = new SpinWait();
            while (Volatile.Read(ref _packed) < _packs) spin.SpinOnce(-1);
            int r0 = (index - _packs) * _pieceRows, rows = Math.Min(_pieceRows, _g.M - r0);
            var bufA = GemmBuffer.Rent();
            try
            {
                float* pa = bufA.Ensure((long)GemmDriver.RoundUp(rows, TK.Mr) * _kcMax);
                for (int pc = 0; pc < _g.K; pc += _kcMax)
                {
                    int kc = Math.Min(_kcMax, _g.K - pc);
                    GemmPack.PackA(rows, kc, _g.A + r0 * _g.RsA + pc * _g.CsA, _g.RsA, _g.CsA, pa, TK.Mr);
                    float* slice = _pb + (long)pc * _paddedN;
                    for (int j0 = 0; j0 < _g.N; j0 += _blockCols)
                        GemmDriver.Macro<TK>(rows, Math.Min(_blockCols, _g.N - j0), kc, pa, slice + (long)j0 * kc, kc, TK.Nr,
                            _g.C + r0 * _g.Ldc + j0, _g.Ldc, _g.Accumulate || pc > 0);
                }
            }
            finally
            {
                GemmBuffer.Return(bufA);
            }
        }
    }
}
