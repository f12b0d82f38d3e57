using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver. For each (MC, KC) block, the A block is packed once by all threads into a
/// shared buffer; then C is cut into tiles (N chunks of at most NC columns, and row ranges when N alone
/// gives too few tiles, as for batch-1 shapes with M = 197) that threads claim from the pool's shared
/// counter. Each tile packs its own B chunk (see <see cref="GemmDriver.MultiplyBlock"/>), so B is packed
/// exactly once whenever rows are not split.
/// Several tiles per thread let a thread slowed by other work hand its share to the others.
/// </summary>
internal static unsafe class GemmParallel
{
    /// <summary>Tiles wanted per thread: enough for dynamic balance, few enough to keep chunks wide.</summary>
    private const int TilesPerThread = 3;

    public static void Run<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
    {
        int kcMax = GemmDriver.SliceDepth(g.K);
        var bufA = GemmBuffer.Rent();
        var pack = PackAJob<TK>.Instance ??= new PackAJob<TK>();
        var tiles = TileJob<TK>.Instance ??= new TileJob<TK>();
        try
        {
            for (int ic = 0; ic < g.M; ic += GemmDriver.MC)
            {
                int mc = Math.Min(GemmDriver.MC, g.M - ic);
                float* pa = bufA.Ensure((long)kcMax * GemmDriver.RoundUp(mc, TK.Mr));
                tiles.Plan(mc, g.N, threads);
                for (int pc = 0; pc < g.K; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, g.K - pc);
                    pack.Set(mc, kc, g.A + ic * g.RsA + pc * g.CsA, g.RsA, g.CsA, pa);
                    WorkerPool.For(pack.Pieces, pack);
                    tiles.Set(g, ic, pc, kc, pa);
                    WorkerPool.For(tiles.Count, tiles);
                }
            }
        }
        finally
        {
            GemmBuffer.Return(bufA);
        }
    }

    /// <summary>Packs a block of A into Mr-row panels, a few panels per piece.</summary>
    private sealed class PackAJob<TK> : IParallelJob where TK : IGemmKernel
    {
        [ThreadStatic] public static PackAJob<TK>? Instance;
        private const int PanelsPerPiece = 4;
        private int _rows, _kc;
        private float* _a, _dst;
        private long _rs, _cs;

        public int Pieces => GemmDriver.CeilDiv(GemmDriver.CeilDiv(_rows, TK.Mr), PanelsPerPiece);

        public void Set(int rows, int kc, float* a, long rs, long cs, float* dst)
        {
            _rows = rows; _kc = kc; _a = a; _rs = rs; _cs = cs; _dst = dst;
        }

        public void Execute(int index)
        {
            int r0 = index * PanelsPerPiece * TK.Mr;
            int rows = Math.Min(PanelsPerPiece * TK.Mr, _rows - r0);
            GemmPack.PackA(rows, _kc, _a + r0 * _rs, _rs, _cs, _dst + (long)r0 * _kc, TK.Mr);
        }
    }

    /// <summary>One tile of C: packs its B chunk and runs the macro-kernel over its rows.</summary>
    private sealed class TileJob<TK> : IParallelJob where TK : IGemmKernel
    {
        [ThreadStatic] public static TileJob<TK>? Instance;
        private GemmArgs _g;
        private int _ic, _pc, _kc, _rows, _chunkCols, _chunks, _splitRows, _splits;
        private float* _pa;

        public int Count => _chunks * _splits;

        /// <summary>Cuts a block of <paramref name="rows"/> x <paramref name="cols"/> into tiles for <paramref name="threads"/> threads.</summary>
        public void Plan(int rows, int cols, int threads)
        {
            int want = threads * TilesPerThread;
            int panelsN = GemmDriver.CeilDiv(cols, TK.Nr), panelsM = GemmDriver.CeilDiv(rows, TK.Mr);
            int chunkPanels = Math.Clamp(GemmDriver.CeilDiv(panelsN, want), 1, GemmDriver.NC / TK.Nr);
            _rows = rows;
            _chunkCols = chunkPanels * TK.Nr;
            _chunks = GemmDriver.CeilDiv(panelsN, chunkPanels);
            int splitPanels = GemmDriver.CeilDiv(panelsM, Math.Clamp(GemmDriver.CeilDiv(want, _chunks), 1, panelsM));
            _splitRows = splitPanels * TK.Mr;
            _splits = GemmDriver.CeilDiv(rows, _splitRows);
        }

        public void Set(in GemmArgs g, int ic, int pc, int kc, float* pa)
        {
            _g = g; _ic = ic; _pc = pc; _kc = kc; _pa = pa;
        }

        public void Execute(int index)
        {
            int jc = index / _splits * _chunkCols, r0 = index % _splits * _splitRows;
            int cols = Math.Min(_chunkCols, _g.N - jc), rows = Math.Min(_splitRows, _rows - r0);
            var bufB = GemmBuffer.Rent();
            try
            {
                GemmDriver.MultiplyBlock<TK>(rows, cols, _kc, _pa + (long)r0 * _kc, _g.B + _pc * _g.RsB + jc * _g.CsB, _g.RsB, _g.CsB,
                    _g.C + (_ic + r0) * _g.Ldc + jc, _g.Ldc, _g.Accumulate || _pc > 0, bufB);
            }
            finally
            {
                GemmBuffer.Return(bufB);
            }
        }
    }
}
