using System.Runtime.Intrinsics;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver for small products over a long depth (a linear layer's weight gradient,
/// dY^T X: M and N the layer widths, K = batch x tokens): C has too few tiles to share out, so the depth
/// is cut instead. The depth is split into a fixed number of equal pieces, each summed slice by slice
/// into its own partial product (piece 0 into C itself, the others into scratch); then row blocks of C
/// add the partials in piece order. What is summed where, and in which order, depends only on the shape
/// and the thread count, never on which thread claims which piece, so the result is the same bits run
/// after run: partials kept per thread, each summing whatever slices its thread happened to claim, made
/// training irreproducible. No product piece waits on another, so a thread descheduled by other work
/// delays only its own piece.
/// </summary>
internal static unsafe class GemmDepthParallel
{
    /// <summary>C of at most this many floats (256 x 256): a partial product per piece is cheap to add.</summary>
    private const long MaxCFloats = 256 * 256;

    /// <summary>Depth slices (of up to KC) per thread, at least, for the depth split to be taken.</summary>
    private const int SlicesPerThread = 2;

    /// <summary>
    /// Product pieces per thread: a thread slowed by other work hands whole pieces to the others, so more
    /// pieces balance better, at the price of one more partial product (M x N floats, at most 256 KB) to add.
    /// </summary>
    private const int PiecesPerThread = 4;

    public static bool Suits(in GemmArgs g, int threads)
        => (long)g.M * g.N <= MaxCFloats && g.K >= SlicesPerThread * threads * GemmDriver.KC;

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

    /// <summary>Pieces [0, Products) compute partial products; pieces [Products, Pieces) each add them into a row block of C.</summary>
    private sealed class Job<TK> : IParallelJob where TK : IGemmKernel
    {
        [ThreadStatic] public static Job<TK>? Instance;
        private GemmArgs _g;
        private int _products, _sums;
        // Product pieces finished (successfully or not): the sums wait for all of them.
        private int _finished;
        // Partial products of pieces 1.. (piece 0 writes C), M x N each, cache-line aligned one after another in
        // one buffer rented for the call: one buffer whatever the piece count keeps the shared pool from running dry.
        private GemmBuffer? _partials;
        private float* _partial;
        private long _partialStride;

        public int Pieces => _products + _sums;

        public void Start(in GemmArgs g, int threads)
        {
            _g = g;
            // Suits leaves at least SlicesPerThread * KC of depth per thread, so a piece is at least KC / 2 deep.
            _products = PiecesPerThread * threads;
            _sums = Math.Min(threads, g.M);
            _finished = 0;
            _partialStride = GemmDriver.RoundUp(g.M * g.N, 16);
            _partials = GemmBuffer.Rent();
            _partial = _partials.Ensure((_products - 1) * _partialStride);
        }

        public void Execute(int index)
        {
            if (index < _products) Product(index);
            else AddPartials(index - _products);
        }

        /// <summary>Piece <paramref name="index"/>'s equal share of the depth, slice by slice into its partial.</summary>
        private void Product(int index)
        {
            var bufA = GemmBuffer.Rent();
            var bufB = GemmBuffer.Rent();
            try
            {
                int p0 = (int)((long)_g.K * index / _products), p1 = (int)((long)_g.K * (index + 1) / _products);
                float* dst = _g.C;
                long ldd = _g.Ldc;
                bool add = _g.Accumulate;
                if (index > 0)
                {
                    dst = Partial(index);
                    ldd = _g.N;
                    add = false;
                }
                int kcMax = GemmDriver.SliceDepth(p1 - p0);
                float* pa = bufA.Ensure((long)GemmDriver.RoundUp(_g.M, TK.Mr) * kcMax);
                for (int pc = p0; pc < p1; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, p1 - pc);
                    GemmPack.PackA(_g.M, kc, _g.A + pc * _g.CsA, _g.RsA, _g.CsA, pa, TK.Mr);
                    GemmDriver.MultiplyBlock<TK>(_g.M, _g.N, kc, pa, _g.B + pc * _g.RsB, _g.RsB, _g.CsB, dst, ldd, add, bufB);
                    add = true;
                }
            }
            finally
            {
                GemmBuffer.Return(bufA);
                GemmBuffer.Return(bufB);
                Interlocked.Increment(ref _finished);
            }
        }

        /// <summary>
        /// Rows of block <paramref name="block"/>: C + partial 1 + partial 2 + ..., added left to right, one
        /// fixed order of float additions. Each element is summed in a register and stored once: adding one
        /// partial at a time through C cost up to 13% more CPU time (192 x 64 x 6272, Zen 5).
        /// </summary>
        private void AddPartials(int block)
        {
            // Pieces are claimed in increasing order, so every product piece is claimed by now and will finish.
            var spin = new SpinWait();
            while (Volatile.Read(ref _finished) < _products) spin.SpinOnce(-1);
            int r0 = (int)((long)_g.M * block / _sums), r1 = (int)((long)_g.M * (block + 1) / _sums), n = _g.N;
            for (int i = r0; i < r1; i++)
            {
                float* c = _g.C + i * _g.Ldc;
                long off = (long)i * n;
                int j = 0;
                if (Simd.Level == SimdLevel.Avx512)
                    for (; j <= n - 16; j += 16)
                    {
                        var v = Vector512.Load(c + j);
                        for (int p = 1; p < _products; p++) v += Vector512.Load(Partial(p) + off + j);
                        v.Store(c + j);
                    }
                else if (Simd.Level == SimdLevel.Avx2)
                    for (; j <= n - 8; j += 8)
                    {
                        var v = Vector256.Load(c + j);
                        for (int p = 1; p < _products; p++) v += Vector256.Load(Partial(p) + off + j);
                        v.Store(c + j);
                    }
                for (; j < n; j++)
                {
                    float v = c[j];
                    for (int p = 1; p < _products; p++) v += Partial(p)[off + j];
                    c[j] = v;
                }
            }
        }

        /// <summary>The partial product of piece <paramref name="p"/> (1 or more): M x N, row-major.</summary>
        private float* Partial(int p) => _partial + (p - 1) * _partialStride;

        public void Finish()
        {
            if (_partials != null) GemmBuffer.Return(_partials);
            _partials = null;
            _partial = null;
        }
    }
}
