using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver for products whose packed A is small (see <see cref="PackAllBytes"/>: ViT's
/// batch-1 layers, M = 197, and 1576-row layers over a depth up to 768), one pool dispatch per GEMM. A
/// is packed once, shared, by the first pieces (all depth slices); the other pieces are tiles of C: N
/// chunks of at most NC columns, cut further into row ranges when N alone gives too few tiles (M = 197
/// leaves one thread idle otherwise). Each tile runs through all depth slices itself, packing its own B
/// chunk (see <see cref="GemmDriver.MultiplyBlock"/>), so tiles wait on nothing but the packing: a
/// thread descheduled in the middle of a tile holds up only that tile. Larger products go to
/// <see cref="GemmTileParallel"/>.
/// </summary>
internal static unsafe class GemmParallel
{
    /// <summary>Tiles wanted per thread: enough for balance, few enough to keep chunks wide.</summary>
    private const int TilesPerThread = 3;

    /// <summary>A panels packed by one piece.</summary>
    private const int PanelsPerPiece = 4;

    /// <summary>
    /// A packed A slice larger than this (bytes) lives in L3, and every tile reloads each A panel from
    /// there; tiles are then at least <see cref="WideChunkPanels"/> B panels wide so each reload is used by
    /// several kernel calls, and rows are split instead. A smaller slice stays in L2, where narrow chunks
    /// cost nothing and splitting rows would only pack B again.
    /// </summary>
    private const long L2Budget = 512 * 1024;

    private const int WideChunkPanels = 4;

    /// <summary>All of A packed (every depth slice) in at most this many bytes: shared packing pays off and fits in L3.</summary>
    private const long PackAllBytes = 6L << 20;

    public static bool Suits<TK>(in GemmArgs g) where TK : IGemmKernel
        => g.M <= GemmDriver.MC && (long)GemmDriver.RoundUp(g.M, TK.Mr) * g.K * sizeof(float) <= PackAllBytes;

    public static void Run<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
    {
        var job = Job<TK>.Instance ??= new Job<TK>();
        job.Start(g, threads);
        try
        {
            WorkerPool.For(job.Pieces, job);
        }
        finally
        {
            job.Finish();
        }
    }

    private sealed class Job<TK> : IParallelJob where TK : IGemmKernel
    {
        [ThreadStatic] public static Job<TK>? Instance;
        private GemmBuffer? _bufA;
        private float* _pa;
        private GemmArgs _g;
        private long _sliceFloats;
        private int _kcMax, _depthSlices, _packPieces, _packs, _chunkCols, _splitRows, _splits;
        // Pack pieces finished.
        private int _packed;

        public int Pieces { get; private set; }

        public void Start(in GemmArgs g, int threads)
        {
            _g = g;
            _kcMax = GemmDriver.SliceDepth(g.K);
            _depthSlices = GemmDriver.CeilDiv(g.K, _kcMax);
            int panelsM = GemmDriver.CeilDiv(g.M, TK.Mr), panelsN = GemmDriver.CeilDiv(g.N, TK.Nr);
            _packPieces = GemmDriver.CeilDiv(panelsM, PanelsPerPiece);
            _packs = _depthSlices * _packPieces;
            int want = threads * TilesPerThread;
            int minPanels = (long)g.M * _kcMax * sizeof(float) > L2Budget ? Math.Min(WideChunkPanels, panelsN) : 1;
            int chunkPanels = Math.Clamp(GemmDriver.CeilDiv(panelsN, want), minPanels, GemmDriver.NC / TK.Nr);
            _chunkCols = chunkPanels * TK.Nr;
            int chunks = GemmDriver.CeilDiv(panelsN, chunkPanels);
            int splitPanels = GemmDriver.CeilDiv(panelsM, Math.Clamp(GemmDriver.CeilDiv(want, chunks), 1, panelsM));
            _splitRows = splitPanels * TK.Mr;
            _splits = GemmDriver.CeilDiv(g.M, _splitRows);
            _sliceFloats = (long)_kcMax * GemmDriver.RoundUp(g.M, TK.Mr);
            Pieces = _packs + chunks * _splits;
            _packed = 0;
            _bufA = GemmBuffer.Rent();
            _pa = _bufA.Ensure(_sliceFloats * _depthSlices);
        }

        public void Finish()
        {
            if (_bufA != null) GemmBuffer.Return(_bufA);
            _bufA = null;
        }

        public void Execute(int index)
        {
            if (index < _packs) PackA(index / _packPieces, index % _packPieces);
            else Tile(index - _packs);
        }

        /// <summary>Packed A of depth slice <paramref name="s"/>.</summary>
        private float* SliceA(int s) => _pa + s * _sliceFloats;

        private void PackA(int s, int piece)
        {
            try
            {
                int pc = s * _kcMax, kc = Math.Min(_kcMax, _g.K - pc);
                int r0 = piece * PanelsPerPiece * TK.Mr;
                int n = Math.Min(PanelsPerPiece * TK.Mr, _g.M - r0);
                if (n > 0)
                    GemmPack.PackA(n, kc, _g.A + r0 * _g.RsA + pc * _g.CsA, _g.RsA, _g.CsA, SliceA(s) + (long)r0 * kc, TK.Mr);
            }
            finally
            {
                Interlocked.Increment(ref _packed);
            }
        }

        /// <summary>Tile <paramref name="t"/>, all depth slices: packs its B chunk per slice and runs the macro-kernel.</summary>
        private void Tile(int t)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _packed) < _packs) spin.SpinOnce(-1);
            int jc = t / _splits * _chunkCols, r0 = t % _splits * _splitRows;
            int cols = Math.Min(_chunkCols, _g.N - jc), h = Math.Min(_splitRows, _g.M - r0);
            if (h <= 0) return;
            var bufB = GemmBuffer.Rent();
            try
            {
                for (int s = 0; s < _depthSlices; s++)
                {
                    int pc = s * _kcMax, kc = Math.Min(_kcMax, _g.K - pc);
                    GemmDriver.MultiplyBlock<TK>(h, cols, kc, SliceA(s) + (long)r0 * kc, _g.B + pc * _g.RsB + jc * _g.CsB, _g.RsB, _g.CsB,
                        _g.C + r0 * _g.Ldc + jc, _g.Ldc, _g.Accumulate || pc > 0, bufB);
                }
            }
            finally
            {
                GemmBuffer.Return(bufB);
            }
        }
    }
}
