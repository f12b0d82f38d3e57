using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The multi-threaded form of the small path for products with few output columns (<see cref="GemmSmall.SuitsSkinny"/>):
/// the rows of C are cut into equal blocks, each a whole small-path product on one thread. Every element of C is
/// summed by one thread in one order, so the result does not depend on which thread takes which block.
/// </summary>
internal static unsafe class SkinnyRows
{
    /// <summary>Rows per thread, at least, for the split to be taken (the small path's tiles are 4 rows).</summary>
    public const int MinRows = 8;

    /// <summary>Blocks per thread: a thread slowed by other work hands its later blocks to the others.</summary>
    private const int BlocksPerThread = 4;

    public static void Run(in GemmArgs g, int threads)
    {
        var job = Job.Instance ??= new Job();
        job.Start(g, threads);
        WorkerPool.For(job.Pieces, job);
    }

    private sealed class Job : IParallelJob
    {
        [ThreadStatic] public static Job? Instance;
        private GemmArgs _g;
        private int _blockRows;

        public int Pieces { get; private set; }

        public void Start(in GemmArgs g, int threads)
        {
            _g = g;
            int blocks = Math.Min(BlocksPerThread * threads, g.M / 4);
            _blockRows = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.M, blocks), 4);
            Pieces = GemmDriver.CeilDiv(g.M, _blockRows);
        }

        public void Execute(int index)
        {
            int r0 = index * _blockRows;
            GemmSmall.Run(_g.Block(r0, Math.Min(_blockRows, _g.M - r0), 0, _g.N));
        }
    }
}
