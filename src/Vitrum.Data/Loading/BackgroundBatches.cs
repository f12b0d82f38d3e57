using System.Collections.Concurrent;
using Vitrum.Tensors;

namespace Vitrum.Data.Loading;

/// <summary>
/// What every loader shares: the sample order of an epoch, the seed of each sample's random transforms, and a
/// background thread that prepares batches while the consumer trains on earlier ones. The order is a permutation
/// drawn from (seed, epoch) and a sample's generator is seeded by (seed, epoch, index), so the batches are the same
/// for a given seed whatever the timing, and a resumed run sees the data an uninterrupted one would.
/// </summary>
internal static class BackgroundBatches
{
    /// <summary>The sample order of one epoch: 0..count-1, shuffled by (seed, epoch) when <paramref name="shuffle"/>.</summary>
    public static int[] Order(int count, ulong seed, int epoch, bool shuffle)
    {
        var order = Enumerable.Range(0, count).ToArray();
        if (!shuffle) return order;
        var g = new Generator(Mix(seed, (ulong)epoch, 0x5eed));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = g.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The generator of sample <paramref name="index"/>'s random transforms in <paramref name="epoch"/>.</summary>
    public static Generator SampleGenerator(ulong seed, int epoch, int index) => new(Mix(seed, (ulong)epoch, (ulong)index + 1));

    private static ulong Mix(ulong a, ulong b, ulong c) => (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ (c * 0x165667B19E3779F9UL);

    public static int BatchesPerEpoch(int count, int batchSize, bool dropLast) =>
        dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;

    /// <summary>
    /// Makes batches <paramref name="skipBatches"/>..<paramref name="batches"/>-1 on a background thread, at most
    /// <paramref name="prefetch"/> ahead of the consumer. <paramref name="make"/> gets the batch number and a workspace
    /// the thread keeps from batch to batch (buffers that have grown stay grown). Batches made but not consumed are
    /// disposed when the consumer stops early; a failure is rethrown to the consumer naming <paramref name="who"/>.
    /// </summary>
    public static IEnumerable<TBatch> Produce<TBatch, TWorkspace>(string who, int batches, int skipBatches, int prefetch,
        Func<TWorkspace> workspace, Func<int, TWorkspace, TBatch> make, CancellationToken ct) where TBatch : IDisposable
    {
        using var queue = new BlockingCollection<TBatch>(Math.Max(1, prefetch));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                var ws = workspace();
                for (int bi = skipBatches; bi < batches; bi++) queue.Add(make(bi, ws), stop.Token);
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        }) { IsBackground = true, Name = "vitrum-loader" };
        producer.Start();
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable(ct)) yield return batch;
            if (failure != null) throw new InvalidOperationException($"{who}: preparing a batch failed: {failure.Message}", failure);
        }
        finally
        {
            stop.Cancel();
            producer.Join();
            while (queue.TryTake(out var left)) left.Dispose();
        }
    }
}
