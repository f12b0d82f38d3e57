using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Elementwise ops over the worker pool. A binary op walks its operands through coalesced broadcast dims
/// (<see cref="Ops.Map2Into{TOp}"/>): rows of the innermost run, each row's start found from its index.
/// Large outputs are cut into contiguous ranges of rows, or of one row's elements when there are too few
/// rows, one range a piece. Training g2p_transformer on 2 threads, the serial adds and gradient products
/// kept the second core idle for a third of every step.
/// </summary>
internal static unsafe class ElementwiseParallel
{
    /// <summary>Below this many output elements a call runs on the calling thread.</summary>
    public const int MinElements = (int)PlaneJob.MinParallelWork;

    /// <summary>Pieces per thread: a thread slowed by other work hands the rest of its share to the others.</summary>
    private const int PiecesPerThread = 4;

    /// <summary>
    /// d = op(a, b) over <paramref name="r"/> coalesced dims: dims[i] elements, operand strides sa/sb/so;
    /// the innermost dim has unit output stride.
    /// </summary>
    public static void Binary<TOp>(float* a, float* b, float* o, ReadOnlySpan<int> dims, ReadOnlySpan<int> sa, ReadOnlySpan<int> sb,
        ReadOnlySpan<int> so, int r) where TOp : IBinaryOp
    {
        var job = BinaryJob<TOp>.Instance ??= new BinaryJob<TOp>();
        job.Set(a, b, o, dims, sa, sb, so, r);
        long numel = (long)job.Outer * job.Inner;
        int threads = WorkerPool.AvailableThreads;
        if (threads == 1 || numel < MinElements)
        {
            job.Rows(0, job.Outer, 0, job.Inner);
            return;
        }
        int want = PiecesPerThread * threads;
        job.ChunksPerRow = job.Outer >= want ? 1 : (want + job.Outer - 1) / job.Outer;
        job.ChunkLength = (job.Inner + job.ChunksPerRow - 1) / job.ChunksPerRow;
        job.ChunkLength = (job.ChunkLength + 15) / 16 * 16;
        job.ChunksPerRow = (job.Inner + job.ChunkLength - 1) / job.ChunkLength;
        job.Pieces = job.ChunksPerRow > 1 ? job.Outer * job.ChunksPerRow : Math.Min(job.Outer, want);
        WorkerPool.For(job.Pieces, job);
    }

    /// <summary>
    /// Length of the pieces a contiguous range of <paramref name="n"/> elements is cut into on
    /// <paramref name="threads"/> threads: a whole number of vectors, <see cref="PiecesPerThread"/> pieces a thread.
    /// </summary>
    public static long ChunkLength(long n, int threads)
    {
        long pieces = (long)PiecesPerThread * threads;
        return ((n + pieces - 1) / pieces + 15) / 16 * 16;
    }

    /// <summary>d[i] = op(x[i]) for i &lt; n, contiguous.</summary>
    public static void Unary<TOp>(float* x, float* d, int n) where TOp : IUnaryOp
    {
        int threads = WorkerPool.AvailableThreads;
        if (threads == 1 || n < MinElements)
        {
            Elementwise.Unary<TOp>(x, d, n);
            return;
        }
        var job = UnaryJob<TOp>.Instance ??= new UnaryJob<TOp>();
        job.X = x;
        job.D = d;
        job.N = n;
        job.Chunk = (int)ChunkLength(n, threads);
        WorkerPool.For((n + job.Chunk - 1) / job.Chunk, job);
    }

    private sealed class UnaryJob<TOp> : IParallelJob where TOp : IUnaryOp
    {
        [ThreadStatic] public static UnaryJob<TOp>? Instance;
        public float* X, D;
        public int N, Chunk;

        public void Execute(int index)
        {
            int i0 = index * Chunk;
            Elementwise.Unary<TOp>(X + i0, D + i0, Math.Min(Chunk, N - i0));
        }
    }

    private sealed class BinaryJob<TOp> : IParallelJob where TOp : IBinaryOp
    {
        [ThreadStatic] public static BinaryJob<TOp>? Instance;
        private float* _a, _b, _o;
        private int[] _dims = new int[8], _sa = new int[8], _sb = new int[8], _so = new int[8];
        private int _r;
        public int Outer, Inner, ChunksPerRow, ChunkLength, Pieces;

        public void Set(float* a, float* b, float* o, ReadOnlySpan<int> dims, ReadOnlySpan<int> sa, ReadOnlySpan<int> sb, ReadOnlySpan<int> so, int r)
        {
            if (_dims.Length < r) (_dims, _sa, _sb, _so) = (new int[r], new int[r], new int[r], new int[r]);
            dims[..r].CopyTo(_dims);
            sa[..r].CopyTo(_sa);
            sb[..r].CopyTo(_sb);
            so[..r].CopyTo(_so);
            _a = a; _b = b; _o = o; _r = r;
            Inner = dims[r - 1];
            Outer = 1;
            for (int i = 0; i < r - 1; i++) Outer *= dims[i];
        }

        public void Execute(int index)
        {
            if (ChunksPerRow > 1)
            {
                int row = index / ChunksPerRow, c0 = index % ChunksPerRow * ChunkLength;
                Rows(row, row + 1, c0, Math.Min(Inner, c0 + ChunkLength));
                return;
            }
            Rows((int)((long)index * Outer / Pieces), (int)((long)(index + 1) * Outer / Pieces), 0, Inner);
        }

        /// <summary>Elements [c0, c1) of rows [k0, k1): each row is one run of the innermost dim.</summary>
        public void Rows(int k0, int k1, int c0, int c1)
        {
            if (k0 >= k1 || c0 >= c1) return;
            int r = _r, ia = _sa[r - 1], ib = _sb[r - 1];
            Span<int> idx = stackalloc int[Math.Max(1, r - 1)];
            long offA = (long)c0 * ia, offB = (long)c0 * ib, offO = c0;
            // The index of row k0 over the outer dims, the last varying fastest.
            for (int ax = r - 2, rest = k0; ax >= 0; ax--)
            {
                idx[ax] = rest % _dims[ax];
                rest /= _dims[ax];
                offA += (long)idx[ax] * _sa[ax];
                offB += (long)idx[ax] * _sb[ax];
                offO += (long)idx[ax] * _so[ax];
            }
            for (int k = k0; k < k1; k++)
            {
                Elementwise.Binary<TOp>(_a + offA, ia, _b + offB, ib, _o + offO, c1 - c0);
                for (int ax = r - 2; ax >= 0; ax--)
                {
                    idx[ax]++;
                    offA += _sa[ax];
                    offB += _sb[ax];
                    offO += _so[ax];
                    if (idx[ax] < _dims[ax]) break;
                    offA -= (long)_sa[ax] * _dims[ax];
                    offB -= (long)_sb[ax] * _dims[ax];
                    offO -= (long)_so[ax] * _dims[ax];
                    idx[ax] = 0;
                }
            }
        }
    }
}
