using System.Numerics.Tensors;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver for small products over a long depth (a linear layer's weight gradient,
/// X^T dY: M and N the layer widths, K = batch x tokens): C has too few tiles to share out, so the depth
/// is cut instead. Pieces are depth slices claimed in any order; each thread sums the slices it takes
/// into its own partial product (the first thread to start writes into C itself, the others into
/// scratch), and the caller adds the partials into C at the end. No piece waits on another, so a thread
/// descheduled by other work delays only its own slice.
/// </summary>
internal static unsafe class GemmDepthParallel
{
    /// <summary>C of at most this many floats (256 x 256): a partial product per thread is cheap to sum.</summary>
    private const long MaxCFloats = 256 * 256;

    /// <summary>Depth slices wanted per thread (at least): enough for balance when a thread is slowed.</summary>
    private const int SlicesPerThread = 2;

    public static bool Suits(in GemmArgs g, int threads)
        => (long)g.M * g.N <= MaxCFloats && g.K >= SlicesPerThread * threads * GemmDriver.KC;

    public static void Run<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
    {
        var job = Job<TK>.Instance ??= new Job<TK>();
        job.Start(g, threads);
        try
        {
            WorkerPool.For(job.Pieces, job);
            job.AddPartials();
        }
        finally
        {
            job.Finish();
        }
    }

    private sealed class Job<TK> : IParallelJob where TK : IGemmKernel
    {
        [ThreadStatic] public static Job<TK>? Instance;
        // Which job a thread last took a slot in, and that slot: slots are handed out in order of arrival.
        [ThreadStatic] private static long _threadJob;
        [ThreadStatic] private static int _threadSlot;
        private static long _nextId;
        private GemmArgs _g;
        private long _id;
        private int _kcMax, _slots;
        private GemmBuffer?[] _partial = Array.Empty<GemmBuffer?>();
        private bool[] _started = Array.Empty<bool>();

        public int Pieces { get; private set; }

        public void Start(in GemmArgs g, int threads)
        {
            _g = g;
            _id = Interlocked.Increment(ref _nextId);
            _slots = 0;
            _kcMax = GemmDriver.SliceDepth(g.K);
            Pieces = GemmDriver.CeilDiv(g.K, _kcMax);
            if (_partial.Length < threads)
            {
                _partial = new GemmBuffer?[threads];
                _started = new bool[threads];
            }
            Array.Clear(_started);
        }

        public void Execute(int index)
        {
            if (_threadJob != _id)
            {
                _threadSlot = Interlocked.Increment(ref _slots) - 1;
                _threadJob = _id;
            }
            int slot = _threadSlot;
            if (slot >= _partial.Length) throw new InvalidOperationException($"GemmDepthParallel: more threads took part ({slot + 1}) than planned ({_partial.Length})");
            float* dst = _g.C;
            long ldd = _g.Ldc;
            bool add = _started[slot] || _g.Accumulate;
            if (slot > 0)
            {
                var partial = _partial[slot] ??= GemmBuffer.Rent();
                dst = partial.Ensure((long)_g.M * _g.N);
                ldd = _g.N;
                add = _started[slot];
            }
            _started[slot] = true;
            int pc = index * _kcMax, kc = Math.Min(_kcMax, _g.K - pc);
            var bufA = GemmBuffer.Rent();
            var bufB = GemmBuffer.Rent();
            try
            {
                float* pa = bufA.Ensure((long)GemmDriver.RoundUp(_g.M, TK.Mr) * kc);
                GemmPack.PackA(_g.M, kc, _g.A + pc * _g.CsA, _g.RsA, _g.CsA, pa, TK.Mr);
                GemmDriver.MultiplyBlock<TK>(_g.M, _g.N, kc, pa, _g.B + pc * _g.RsB, _g.RsB, _g.CsB, dst, ldd, add, bufB);
            }
            finally
            {
                GemmBuffer.Return(bufA);
                GemmBuffer.Return(bufB);
            }
        }

        /// <summary>C += every other thread's partial product.</summary>
        public void AddPartials()
        {
            int used = Math.Min(_slots, _partial.Length);
            for (int s = 1; s < used; s++)
            {
                float* p = _partial[s]!.Ensure((long)_g.M * _g.N);
                for (int i = 0; i < _g.M; i++)
                {
                    var row = new Span<float>(_g.C + i * _g.Ldc, _g.N);
                    TensorPrimitives.Add(row, new ReadOnlySpan<float>(p + (long)i * _g.N, _g.N), row);
                }
            }
        }

        public void Finish()
        {
            for (int s = 0; s < _partial.Length; s++)
            {
                if (_partial[s] != null) GemmBuffer.Return(_partial[s]!);
                _partial[s] = null;
            }
        }
    }
}
