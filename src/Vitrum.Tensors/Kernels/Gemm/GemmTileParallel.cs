using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver for large products whose packed A is too big to pack up front (2048^3,
/// ViT's 1576-row layers over a depth of 1536-3072): C is cut into two blocks per thread, and each block
/// is a whole serial GEMM over all depth, packing its own A and B. Blocks share nothing, so a thread
/// descheduled by other work delays only the block it holds, where a shared packed A would make every
/// thread wait on the slowest one slice after slice. The price is packing A once per column block and B
/// once per row block, kept small by choosing the split.
/// </summary>
internal static unsafe class GemmTileParallel
{
    /// <summary>Blocks per thread: two, so a thread slowed by other work can hand its second block to the others.</summary>
    private const int BlocksPerThread = 2;

    public static void Run<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
    {
        var job = Job<TK>.Instance ??= new Job<TK>();
        job.Start(g, threads);
        WorkerPool.For(job.Pieces, job);
    }

    private sealed class Job<TK> : IParallelJob where TK : IGemmKernel
    {
        [ThreadStatic] public static Job<TK>? Instance;
        private GemmArgs _g;
        private int _blockRows, _blockCols, _colBlocks;

        public int Pieces { get; private set; }

        public void Start(in GemmArgs g, int threads)
        {
            _g = g;
            // Every block packs its own rows of A (once per column block) and its own columns of B (once per
            // row block): r row blocks by c column blocks pack r * K * N + c * M * K floats. Twelve to twenty
            // narrow blocks packed 2048^3's operands 4.7 times over, about the 12% its 2-thread rate lost
            // against twice the 1-thread rate; the split below packs the least for the block count.
            int target = BlocksPerThread * threads;
            int panelsM = GemmDriver.CeilDiv(g.M, TK.Mr), panelsN = GemmDriver.CeilDiv(g.N, TK.Nr);
            int rows = 1, cols = 1;
            double best = double.PositiveInfinity;
            for (int r = 1; r <= target; r++)
            {
                if (target % r != 0 || r > panelsM || target / r > panelsN) continue;
                double cost = (double)r * g.N + (double)(target / r) * g.M;
                if (cost < best) (best, rows, cols) = (cost, r, target / r);
            }
            _blockRows = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.M, rows), TK.Mr);
            _blockCols = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.N, cols), TK.Nr);
            _colBlocks = GemmDriver.CeilDiv(g.N, _blockCols);
            Pieces = GemmDriver.CeilDiv(g.M, _blockRows) * _colBlocks;
        }

        public void Execute(int index)
        {
            // Row blocks vary fastest: blocks taken at the same time share their B columns, read from L3.
            int r0 = index % GemmDriver.CeilDiv(_g.M, _blockRows) * _blockRows, c0 = index / GemmDriver.CeilDiv(_g.M, _blockRows) * _blockCols;
            GemmDriver.Serial<TK>(_g.Block(r0, Math.Min(_blockRows, _g.M - r0), c0, Math.Min(_blockCols, _g.N - c0)));
        }
    }
}
