using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded driver for large products whose packed A is too big to pack up front (2048^3,
/// ViT's 1576-row layers over a depth of 1536-3072): C is cut into blocks of about NC columns and a
/// few hundred rows, and each block is a whole serial GEMM over all depth, packing its own A and B. Blocks
/// share nothing, so a thread descheduled by other work delays only the block it holds, where a shared
/// packed A would make every thread wait on the slowest one slice after slice. The price is packing A
/// once per column block (one copy per NC multiply-adds, about 1%).
/// </summary>
internal static unsafe class GemmTileParallel
{
    /// <summary>Blocks wanted per thread: enough for one slowed thread's share to move to the others.</summary>
    private const int BlocksPerThread = 6;

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
            _colBlocks = GemmDriver.CeilDiv(g.N, GemmDriver.NC);
            _blockCols = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.N, _colBlocks), TK.Nr);
            _colBlocks = GemmDriver.CeilDiv(g.N, _blockCols);
            int rowBlocks = Math.Clamp(GemmDriver.CeilDiv(BlocksPerThread * threads, _colBlocks), 1, GemmDriver.CeilDiv(g.M, TK.Mr));
            _blockRows = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.M, rowBlocks), TK.Mr);
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
