using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// C[m, n] = epilogue(A[m, k] B) with B a <see cref="PackedWeight"/> (a linear layer in inference): only A is packed
/// per call. One pool dispatch per product, pieces claimed from a shared counter with the caller taking part.
/// Two shapes of work:
/// - Short A (all of it packed in at most <see cref="SharedABytes"/>: ViT's batch-1 layers, M = 197): the first pieces
///   pack A, every depth slice, shared; the rest are tiles of C, column chunks cut further into row ranges until there
///   are <see cref="TilesPerThread"/> per thread, so at M = 197 and N = 384 both cores have work and a core slowed by
///   other processes hands its later tiles to the other. B needs no packing, so cutting rows costs nothing but reloads
///   from L2.
/// - Tall A (batch 8, M = 1576): pieces are row blocks over all columns, each packing its own rows of A per depth slice
///   (as <see cref="GemmRowParallel"/>, whose shared packed B is here packed once for the model's life).
/// Each tile starts from the bias and ends with the epilogue's tail while it is in cache (<see cref="GemmEpilogue"/>).
/// </summary>
internal static unsafe class GemmPackedB
{
    private const int TilesPerThread = 6;

    /// <summary>A panels packed by one piece.</summary>
    private const int PanelsPerPiece = 4;

    /// <summary>All of A packed up front in at most this many bytes: it stays in L2/L3 and every tile reuses it.</summary>
    private const long SharedABytes = 1L << 20;

    /// <summary>Row blocks of a tall A per thread: a slowed thread hands its later blocks to the other.</summary>
    private const int RowBlocksPerThread = 4;

    /// <summary>A row block has at least this many A panels, so packing and the kernel's start-up stay small against its work.</summary>
    private const int MinPanels = 4;

    /// <param name="m">rows of A and C</param>
    public static void Run<TK>(int m, float* a, long rsA, long csA, PackedWeight w, float* c, long ldc, in GemmEpilogue e, int threads)
        where TK : IGemmKernel
    {
        var job = Job<TK>.Instance ??= new Job<TK>();
        job.Start(m, a, rsA, csA, w, c, ldc, e, threads);
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
        private float* _a, _pa, _pb, _c;
        private long _rsA, _csA, _ldc, _sliceFloats;
        private GemmEpilogue _e;
        private bool _shared;
        private int _m, _n, _k, _paddedN, _kcMax, _depthSlices, _packPieces, _packs, _chunkCols, _splitRows, _splits, _blockRows;
        // Pack pieces finished.
        private int _packed;

        public int Pieces { get; private set; }

        public void Start(int m, float* a, long rsA, long csA, PackedWeight w, float* c, long ldc, in GemmEpilogue e, int threads)
        {
            (_m, _n, _k, _rsA, _csA, _ldc, _e) = (m, w.Out, w.In, rsA, csA, ldc, e);
            _a = a;
            _c = c;
            _pb = w.Ptr;
            (_paddedN, _kcMax) = (w.PaddedOut, w.SliceDepth);
            _depthSlices = GemmDriver.CeilDiv(_k, _kcMax);
            int panelsM = GemmDriver.CeilDiv(m, TK.Mr), panelsN = GemmDriver.CeilDiv(_n, TK.Nr);
            _sliceFloats = (long)_kcMax * panelsM * TK.Mr;
            _shared = _sliceFloats * _depthSlices * sizeof(float) <= SharedABytes || panelsM < 2 * threads * MinPanels;
            _packed = 0;
            _bufA = null;
            if (_shared)
            {
                _packPieces = GemmDriver.CeilDiv(panelsM, PanelsPerPiece);
                _packs = _depthSlices * _packPieces;
                int want = threads == 1 ? 1 : threads * TilesPerThread;
                int chunkPanels = Math.Clamp(GemmDriver.CeilDiv(panelsN, want), 1, GemmDriver.NC / TK.Nr);
                _chunkCols = chunkPanels * TK.Nr;
                int chunks = GemmDriver.CeilDiv(panelsN, chunkPanels);
                int splitPanels = GemmDriver.CeilDiv(panelsM, Math.Clamp(GemmDriver.CeilDiv(want, chunks), 1, panelsM));
                _splitRows = splitPanels * TK.Mr;
                _splits = GemmDriver.CeilDiv(m, _splitRows);
                Pieces = _packs + chunks * _splits;
                _bufA = GemmBuffer.Rent();
                _pa = _bufA.Ensure(_sliceFloats * _depthSlices);
            }
            else
            {
                _packs = 0;
                _blockRows = Math.Max(MinPanels, GemmDriver.CeilDiv(panelsM, RowBlocksPerThread * threads)) * TK.Mr;
                Pieces = GemmDriver.CeilDiv(m, _blockRows);
            }
        }

        public void Finish()
        {
            if (_bufA != null) GemmBuffer.Return(_bufA);
            _bufA = null;
        }

        public void Execute(int index)
        {
            if (index < _packs) PackA(index / _packPieces, index % _packPieces);
            else if (_shared) Tile(index - _packs);
            else RowBlock(index);
        }

        private float* SliceB(int pc) => _pb + (long)pc * _paddedN;

        private void PackA(int s, int piece)
        {
            try
            {
                int pc = s * _kcMax, kc = Math.Min(_kcMax, _k - pc);
                int r0 = piece * PanelsPerPiece * TK.Mr;
                int rows = Math.Min(PanelsPerPiece * TK.Mr, _m - r0);
                if (rows > 0)
                    GemmPack.PackA(rows, kc, _a + r0 * _rsA + pc * _csA, _rsA, _csA, _pa + s * _sliceFloats + (long)r0 * kc, TK.Mr);
            }
            finally
            {
                Interlocked.Increment(ref _packed);
            }
        }

        /// <summary>Tile <paramref name="t"/> of a short A: its rows of the shared packed A against one column chunk, all depth slices.</summary>
        private void Tile(int t)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _packed) < _packs) spin.SpinOnce(-1);
            int jc = t / _splits * _chunkCols, r0 = t % _splits * _splitRows;
            int cols = Math.Min(_chunkCols, _n - jc), rows = Math.Min(_splitRows, _m - r0);
            if (rows <= 0 || cols <= 0) return;
            bool bias = _e.Bias != null;
            if (bias) _e.FillBias(_c, _ldc, r0, rows, jc, cols);
            for (int s = 0; s < _depthSlices; s++)
            {
                int pc = s * _kcMax, kc = Math.Min(_kcMax, _k - pc);
                GemmDriver.Macro<TK>(rows, cols, kc, _pa + s * _sliceFloats + (long)r0 * kc, SliceB(pc) + (long)jc * kc, kc, TK.Nr,
                    _c + r0 * _ldc + jc, _ldc, bias || s > 0);
            }
            if (_e.HasTail) _e.ApplyTail(_c, _ldc, r0, rows, jc, cols);
        }

        /// <summary>Row block <paramref name="index"/> of a tall A over all columns: packs its own rows of A per depth slice.</summary>
        private void RowBlock(int index)
        {
            int r0 = index * _blockRows, rows = Math.Min(_blockRows, _m - r0);
            if (rows <= 0) return;
            bool bias = _e.Bias != null;
            if (bias) _e.FillBias(_c, _ldc, r0, rows, 0, _n);
            var bufA = GemmBuffer.Rent();
            try
            {
                float* pa = bufA.Ensure((long)GemmDriver.RoundUp(rows, TK.Mr) * _kcMax);
                for (int s = 0; s < _depthSlices; s++)
                {
                    int pc = s * _kcMax, kc = Math.Min(_kcMax, _k - pc);
                    GemmPack.PackA(rows, kc, _a + r0 * _rsA + pc * _csA, _rsA, _csA, pa, TK.Mr);
                    bool last = s == _depthSlices - 1;
                    for (int j0 = 0; j0 < _n; j0 += GemmDriver.NC)
                    {
                        int cols = Math.Min(GemmDriver.NC, _n - j0);
                        GemmDriver.Macro<TK>(rows, cols, kc, pa, SliceB(pc) + (long)j0 * kc, kc, TK.Nr,
                            _c + r0 * _ldc + j0, _ldc, bias || s > 0);
                        if (last && _e.HasTail) _e.ApplyTail(_c, _ldc, r0, rows, j0, cols);
                    }
                }
            }
            finally
            {
                GemmBuffer.Return(bufA);
            }
        }
    }
}
