using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// C[m, n] = epilogue(A[m, k] B) with B a <see cref="PackedWeight"/> (a linear layer in inference): only A is packed
/// per call. One pool dispatch per product; its pieces are blocks of C (row blocks, cut into column chunks when there
/// are too few rows), claimed from a shared counter with the caller taking part, and share nothing: each packs its own
/// rows of A, depth slice by depth slice, and runs them against the pre-packed B. No piece waits on another, so on a
/// loaded machine a thread descheduled in the middle of a piece delays only that piece (a shared packed A would make
/// every tile wait on whichever thread packs it). At batch 1 (M = 197) rows alone give 8 blocks of 2 panels; chunks
/// of columns double that, so both cores have work even at N = 384, and re-packing a block's 28 rows of A per chunk
/// costs a few microseconds. Up to 112 rows (Swin's last stage) all rows are one block, cut by columns, against an A
/// the caller packs once before the dispatch. Each block starts from the bias and gets the epilogue's tail while it is
/// in cache (<see cref="GemmEpilogue"/>).
/// </summary>
internal static unsafe class GemmPackedB
{
    /// <summary>Pieces wanted per thread: a thread slowed by other work hands its later pieces to the other.</summary>
    private const int PiecesPerThread = 6;

    /// <summary>Up to this many A panels (112 rows) all rows form one block.</summary>
    private const int FewPanels = 8;

    /// <summary>A tall A's row block has at least this many A panels, so packing and the kernel's start-up stay small against its work.</summary>
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
        private float* _a, _pb, _c;
        private long _rsA, _csA, _ldc;
        private GemmEpilogue _e;
        private int _m, _n, _k, _paddedN, _kcMax, _blockRows, _rowBlocks, _chunkCols;
        // All of A packed by the caller (few rows), every depth slice _sliceFloats apart; null when each piece packs its own.
        private GemmBuffer? _sharedA;
        private float* _pa;
        private long _sliceFloats;

        public int Pieces { get; private set; }

        public void Start(int m, float* a, long rsA, long csA, PackedWeight w, float* c, long ldc, in GemmEpilogue e, int threads)
        {
            (_m, _n, _k, _rsA, _csA, _ldc, _e) = (m, w.Out, w.In, rsA, csA, ldc, e);
            _a = a;
            _c = c;
            _pb = w.Ptr;
            (_paddedN, _kcMax) = (w.PaddedOut, w.SliceDepth);
            int panelsM = GemmDriver.CeilDiv(m, TK.Mr), panelsN = GemmDriver.CeilDiv(_n, TK.Nr);
            int want = threads == 1 ? 1 : threads * PiecesPerThread;
            int blockPanels = GemmDriver.CeilDiv(panelsM, want);
            if (panelsM >= want * MinPanels) blockPanels = Math.Max(MinPanels, blockPanels);
            // A few rows (Swin's last stage, M = 49): one block of all rows, cut by columns only, so each B panel is
            // read from L3 or memory once instead of once per row block; A is then packed once, here, as packing it
            // per column chunk would cost as much as the chunk's arithmetic.
            _sharedA = null;
            if (panelsM <= FewPanels)
            {
                blockPanels = panelsM;
                _sliceFloats = (long)_kcMax * panelsM * TK.Mr;
                _sharedA = GemmBuffer.Rent();
                _pa = _sharedA.Ensure(_sliceFloats * GemmDriver.CeilDiv(_k, _kcMax));
                for (int pc = 0, s = 0; pc < _k; pc += _kcMax, s++)
                    GemmPack.PackA(m, Math.Min(_kcMax, _k - pc), a + pc * csA, rsA, csA, _pa + s * _sliceFloats, TK.Mr);
            }
            _blockRows = blockPanels * TK.Mr;
            _rowBlocks = GemmDriver.CeilDiv(m, _blockRows);
            int chunks = Math.Clamp(GemmDriver.CeilDiv(want, _rowBlocks), 1, panelsN);
            _chunkCols = GemmDriver.CeilDiv(panelsN, chunks) * TK.Nr;
            Pieces = _rowBlocks * GemmDriver.CeilDiv(_n, _chunkCols);
        }

        public void Finish()
        {
            if (_sharedA != null) GemmBuffer.Return(_sharedA);
            _sharedA = null;
        }

        /// <summary>Row block index % rowBlocks against column chunk index / rowBlocks: blocks taken together share their B columns.</summary>
        public void Execute(int index)
        {
            int r0 = index % _rowBlocks * _blockRows, c0 = index / _rowBlocks * _chunkCols;
            int rows = Math.Min(_blockRows, _m - r0), cols = Math.Min(_chunkCols, _n - c0);
            if (rows <= 0 || cols <= 0) return;
            bool bias = _e.Bias != null;
            if (bias) _e.FillBias(_c, _ldc, r0, rows, c0, cols);
            var bufA = _sharedA == null ? GemmBuffer.Rent() : null;
            try
            {
                float* own = bufA == null ? null : bufA.Ensure((long)GemmDriver.RoundUp(rows, TK.Mr) * _kcMax);
                int slices = GemmDriver.CeilDiv(_k, _kcMax);
                for (int s = 0; s < slices; s++)
                {
                    int pc = s * _kcMax, kc = Math.Min(_kcMax, _k - pc);
                    float* pa = own;
                    if (bufA == null) pa = _pa + s * _sliceFloats;
                    else GemmPack.PackA(rows, kc, _a + r0 * _rsA + pc * _csA, _rsA, _csA, pa, TK.Mr);
                    float* slice = _pb + (long)pc * _paddedN;
                    for (int j0 = c0; j0 < c0 + cols; j0 += GemmDriver.NC)
                    {
                        int w = Math.Min(GemmDriver.NC, c0 + cols - j0);
                        GemmDriver.Macro<TK>(rows, w, kc, pa, slice + (long)j0 * kc, kc, TK.Nr, _c + r0 * _ldc + j0, _ldc, bias || s > 0);
                        if (s == slices - 1 && _e.HasTail) _e.ApplyTail(_c, _ldc, r0, rows, j0, w);
                    }
                }
            }
            finally
            {
                if (bufA != null) GemmBuffer.Return(bufA);
            }
        }
    }
}
