using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver, one pool dispatch per GEMM. The work is a sequence of slices, one per
/// (MC rows, KC depth) block; each slice is a few pieces that pack its A block into a shared buffer
/// (double-buffered, so packing slice s+1 overlaps the tiles of slice s), then the tiles of C: N chunks
/// of at most NC columns, cut further into row ranges when N alone gives too few tiles (batch-1 shapes
/// with M = 197). Threads claim pieces in order from the pool's shared counter and wait only on what a
/// piece truly needs: a tile on its slice's packed A and on the same tile of the previous slice (which
/// accumulates into the same C), a pack piece on the tiles still reading the buffer it overwrites. So
/// no thread idles at a barrier between slices, and a thread slowed by other work simply takes fewer
/// pieces. Each tile packs its own B chunk (see <see cref="GemmDriver.MultiplyBlock"/>). When all of A
/// packed is small (see <see cref="PackAllBytes"/>), it is packed first and each tile covers all depth.
/// </summary>
internal static unsafe class GemmParallel
{
    /// <summary>Tiles wanted per thread and slice: enough for balance, few enough to keep chunks wide.</summary>
    private const int TilesPerThread = 3;

    /// <summary>A panels packed by one piece.</summary>
    private const int PanelsPerPiece = 4;

    /// <summary>
    /// A packed A block larger than this (bytes) lives in L3, and every tile reloads each A panel from
    /// there; tiles are then at least <see cref="WideChunkPanels"/> B panels wide so each reload is used by
    /// several kernel calls, and rows are split instead. A smaller block stays in L2, where narrow chunks
    /// cost nothing and splitting rows would only pack B again.
    /// </summary>
    private const long L2Budget = 512 * 1024;

    private const int WideChunkPanels = 4;

    /// <summary>
    /// When all of A packed (every depth slice) takes at most this many bytes, it is packed up front and
    /// each tile runs through all depth slices itself: tiles then depend on nothing but the packing, so a
    /// thread descheduled in the middle of a tile holds up only its own tile (this is the batch-1 case,
    /// M = 197, where a GEMM lasts about a millisecond and one stall would otherwise stop the others).
    /// </summary>
    private const long PackAllBytes = 6L << 20;

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
        private readonly GemmBuffer?[] _bufA = new GemmBuffer?[2];
        private readonly float*[] _pa = new float*[2];
        private GemmArgs _g;
        private bool _packAll;
        private long _sliceFloats;
        private int _kcMax, _depthSlices, _packPieces, _tiles, _chunkCols, _splitRows, _splits;
        // Per slice s: [s] packed-A pieces done, [S + s] tiles done; per tile: [2S + s*T + t] = 1 when done.
        private int[] _progress = Array.Empty<int>();

        public int Pieces { get; private set; }

        public void Start(in GemmArgs g, int threads)
        {
            _g = g;
            _kcMax = GemmDriver.SliceDepth(g.K);
            _depthSlices = GemmDriver.CeilDiv(g.K, _kcMax);
            int blockRows = Math.Min(GemmDriver.MC, g.M), slices = GemmDriver.CeilDiv(g.M, blockRows) * _depthSlices;
            int panelsM = GemmDriver.CeilDiv(blockRows, TK.Mr), panelsN = GemmDriver.CeilDiv(g.N, TK.Nr);
            _packPieces = GemmDriver.CeilDiv(panelsM, PanelsPerPiece);
            int want = threads * TilesPerThread;
            int minPanels = (long)blockRows * _kcMax * sizeof(float) > L2Budget ? Math.Min(WideChunkPanels, panelsN) : 1;
            int chunkPanels = Math.Clamp(GemmDriver.CeilDiv(panelsN, want), minPanels, GemmDriver.NC / TK.Nr);
            _chunkCols = chunkPanels * TK.Nr;
            int chunks = GemmDriver.CeilDiv(panelsN, chunkPanels);
            int splitPanels = GemmDriver.CeilDiv(panelsM, Math.Clamp(GemmDriver.CeilDiv(want, chunks), 1, panelsM));
            _splitRows = splitPanels * TK.Mr;
            _splits = GemmDriver.CeilDiv(blockRows, _splitRows);
            _tiles = chunks * _splits;
            _sliceFloats = (long)_kcMax * GemmDriver.RoundUp(blockRows, TK.Mr);
            _packAll = g.M <= GemmDriver.MC && _sliceFloats * _depthSlices * sizeof(float) <= PackAllBytes;
            Pieces = _packAll ? _depthSlices * _packPieces + _tiles : slices * (_packPieces + _tiles);
            int stateLength = slices * (2 + _tiles);
            if (_progress.Length < stateLength) _progress = new int[stateLength];
            else Array.Clear(_progress, 0, stateLength);
            for (int i = 0; i < (_packAll ? 1 : 2); i++)
            {
                _bufA[i] = GemmBuffer.Rent();
                _pa[i] = _bufA[i]!.Ensure(_packAll ? _sliceFloats * _depthSlices : _sliceFloats);
            }
        }

        public void Finish()
        {
            for (int i = 0; i < 2; i++)
            {
                if (_bufA[i] != null) GemmBuffer.Return(_bufA[i]!);
                _bufA[i] = null;
            }
        }

        public void Execute(int index)
        {
            if (_packAll)
            {
                int packs = _depthSlices * _packPieces;
                if (index < packs) PackA(index / _packPieces, index % _packPieces);
                else WholeDepthTile(index - packs, packs);
                return;
            }
            int perSlice = _packPieces + _tiles, s = index / perSlice, r = index % perSlice;
            if (r < _packPieces) PackA(s, r);
            else Tile(s, r - _packPieces);
        }

        private int Slices => _packAll ? _depthSlices : Pieces / (_packPieces + _tiles);

        /// <summary>Packed A of slice <paramref name="s"/>: its own region when all is packed up front, else one of two alternating buffers.</summary>
        private float* SliceA(int s) => _packAll ? _pa[0] + s * _sliceFloats : _pa[s & 1];

        /// <summary>First row, rows, first depth step and depth of slice <paramref name="s"/>; its A buffer is _pa[s &amp; 1].</summary>
        private (int ic, int rows, int pc, int kc) Slice(int s)
        {
            int ic = s / _depthSlices * GemmDriver.MC, pc = s % _depthSlices * _kcMax;
            return (ic, Math.Min(GemmDriver.MC, _g.M - ic), pc, Math.Min(_kcMax, _g.K - pc));
        }

        private void PackA(int s, int piece)
        {
            try
            {
                // The buffer was last read by the tiles of slice s - 2.
                if (s >= 2 && !_packAll) WaitFor(Slices + s - 2, _tiles);
                var (ic, rows, pc, kc) = Slice(s);
                float* pa = SliceA(s);
                int r0 = piece * PanelsPerPiece * TK.Mr;
                int n = Math.Min(PanelsPerPiece * TK.Mr, rows - r0);
                if (n > 0)
                    GemmPack.PackA(n, kc, _g.A + (ic + r0) * _g.RsA + pc * _g.CsA, _g.RsA, _g.CsA, pa + (long)r0 * kc, TK.Mr);
            }
            finally
            {
                Interlocked.Increment(ref _progress[_packAll ? 0 : s]);
            }
        }

        private void Tile(int s, int t)
        {
            int slices = Slices;
            try
            {
                WaitFor(s, _packPieces);
                // The same tile of the previous depth slice adds into the same part of C.
                if (s % _depthSlices != 0) WaitFor(2 * slices + (s - 1) * _tiles + t, 1);
                Compute(s, t);
            }
            finally
            {
                Volatile.Write(ref _progress[2 * slices + s * _tiles + t], 1);
                Interlocked.Increment(ref _progress[slices + s]);
            }
        }

        private void WholeDepthTile(int t, int packs)
        {
            WaitFor(0, packs);
            for (int s = 0; s < _depthSlices; s++) Compute(s, t);
        }

        /// <summary>Tile <paramref name="t"/> of slice <paramref name="s"/>: packs its B chunk and runs the macro-kernel.</summary>
        private void Compute(int s, int t)
        {
            var (ic, rows, pc, kc) = Slice(s);
            int jc = t / _splits * _chunkCols, r0 = t % _splits * _splitRows;
            int cols = Math.Min(_chunkCols, _g.N - jc), h = Math.Min(_splitRows, rows - r0);
            if (h <= 0) return;
            var bufB = GemmBuffer.Rent();
            try
            {
                GemmDriver.MultiplyBlock<TK>(h, cols, kc, SliceA(s) + (long)r0 * kc, _g.B + pc * _g.RsB + jc * _g.CsB, _g.RsB, _g.CsB,
                    _g.C + (ic + r0) * _g.Ldc + jc, _g.Ldc, _g.Accumulate || pc > 0, bufB);
            }
            finally
            {
                GemmBuffer.Return(bufB);
            }
        }

        private void WaitFor(int slot, int value)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _progress[slot]) < value) spin.SpinOnce(-1);
        }
    }
}
