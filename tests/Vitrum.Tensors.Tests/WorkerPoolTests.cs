using Vitrum.Tensors.Threading;
using Xunit;

namespace Vitrum.Tensors.Tests;

[Collection("GlobalKernelState")]
public class WorkerPoolTests
{
    private sealed class CountingJob : IParallelJob
    {
        public readonly int[] Hits;
        public Func<int, bool>? Throws;
        public IParallelJob? Nested;
        public int NestedCount;

        public CountingJob(int count) => Hits = new int[count];

        public void Execute(int index)
        {
            if (Throws?.Invoke(index) == true) throw new InvalidOperationException($"piece {index} failed");
            Interlocked.Increment(ref Hits[index]);
            if (Nested != null) WorkerPool.For(NestedCount, Nested);
        }
    }

    private static void WithThreads(int threads, Action body)
    {
        int old = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = threads;
            body();
        }
        finally
        {
            WorkerPool.ThreadCount = old;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void For_runs_every_piece_exactly_once_across_many_calls(int threads)
        => WithThreads(threads, () =>
        {
            for (int call = 0; call < 2000; call++)
            {
                var job = new CountingJob(1 + call % 9);
                WorkerPool.For(job.Hits.Length, job);
                Assert.All(job.Hits, h => Assert.Equal(1, h));
            }
        });

    [Fact]
    public void For_inside_a_job_runs_inline_and_completes()
        => WithThreads(2, () =>
        {
            var inner = new CountingJob(5 * 7);
            var outer = new CountingJob(5) { Nested = new SliceJob(inner, 7), NestedCount = 7 };
            WorkerPool.For(5, outer);
            Assert.All(outer.Hits, h => Assert.Equal(1, h));
            Assert.All(inner.Hits, h => Assert.Equal(5, h));
        });

    private sealed class SliceJob : IParallelJob
    {
        private readonly CountingJob _target;
        private readonly int _width;

        public SliceJob(CountingJob target, int width) => (_target, _width) = (target, width);

        public void Execute(int index)
        {
            for (int j = index; j < _target.Hits.Length; j += _width) Interlocked.Increment(ref _target.Hits[j]);
        }
    }

    [Fact]
    public void For_reports_a_failing_piece_and_the_pool_keeps_working()
        => WithThreads(2, () =>
        {
            var bad = new CountingJob(16) { Throws = i => i == 11 };
            var e = Assert.Throws<AggregateException>(() => WorkerPool.For(16, bad));
            Assert.Contains("piece 11 failed", e.InnerException!.Message);
            var good = new CountingJob(16);
            WorkerPool.For(16, good);
            Assert.All(good.Hits, h => Assert.Equal(1, h));
        });
}
