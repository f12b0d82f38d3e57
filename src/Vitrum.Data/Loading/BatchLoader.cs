using System.Collections.Concurrent;
using Vitrum.Data.Datasets;
using Vitrum.Data.Transforms;
using Vitrum.Tensors;

namespace Vitrum.Data.Loading;

/// <summary>One batch: images [B, C, H, W] (float32, transformed) and labels [B] (int64). The consumer disposes it.</summary>
public sealed record Batch(Tensor Images, Tensor Labels) : IDisposable
{
    public int Size => Labels.Numel;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// Prepares batches on a background thread while the model trains on the previous ones. The order of an
/// epoch is a permutation drawn from (seed, epoch), and each sample's random transforms draw from a
/// generator seeded by (seed, epoch, index), so the batches are identical for a given seed whatever the
/// timing, and a resumed run sees the same data as an uninterrupted one.
/// </summary>
public sealed class BatchLoader
{
    private readonly ImageClassificationData _data;
    private readonly IReadOnlyList<IImageTransform> _transforms;
    private readonly ulong _seed;

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public int Prefetch { get; }

    public BatchLoader(ImageClassificationData data, int batchSize, IReadOnlyList<IImageTransform> transforms, ulong seed, bool shuffle = true, bool dropLast = false, int prefetch = 3)
    {
        if (batchSize <= 0) throw new ArgumentException($"BatchLoader: batch size must be positive, got {batchSize}");
        if (data.Count == 0) throw new ArgumentException("BatchLoader: the data set is empty");
        (_data, _transforms, _seed, BatchSize, Shuffle, DropLast, Prefetch) = (data, transforms, seed, batchSize, shuffle, dropLast, Math.Max(1, prefetch));
    }

    public int BatchesPerEpoch => DropLast ? _data.Count / BatchSize : (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Sample order of one epoch.</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, _data.Count).ToArray();
        if (!Shuffle) return order;
        var g = new Generator(Mix(_seed, (ulong)epoch, 0x5eed));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = g.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static ulong Mix(ulong a, ulong b, ulong c) => (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ (c * 0x165667B19E3779F9UL);

    /// <summary>The batches of <paramref name="epoch"/>, starting at batch <paramref name="skipBatches"/> (for resuming mid-epoch).</summary>
    public IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0, CancellationToken ct = default)
    {
        var order = Order(epoch);
        using var queue = new BlockingCollection<Batch>(Prefetch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                var a = new ImageBuffer();
                var b = new ImageBuffer();
                for (int bi = skipBatches; bi < BatchesPerEpoch; bi++)
                {
                    int start = bi * BatchSize, n = Math.Min(BatchSize, order.Length - start);
                    queue.Add(Make(order, start, n, epoch, a, b), stop.Token);
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        }) { IsBackground = true, Name = "vitrum-loader" };
        producer.Start();
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable(ct)) yield return batch;
            if (failure != null) throw new InvalidOperationException($"BatchLoader: preparing a batch failed: {failure.Message}", failure);
        }
        finally
        {
            stop.Cancel();
            producer.Join();
            while (queue.TryTake(out var left)) left.Dispose();
        }
    }

    private Batch Make(int[] order, int start, int n, int epoch, ImageBuffer a, ImageBuffer b)
    {
        Tensor? images = null;
        var labels = Tensor.Empty(new[] { n }, DType.Int64);
        var ls = labels.AsLongSpan();
        for (int i = 0; i < n; i++)
        {
            int idx = order[start + i];
            var img = _data.Image(idx);
            var s = a.Resize(_data.Channels, _data.Height, _data.Width);
            for (int p = 0; p < s.Length; p++) s[p] = img[p] * (1f / 255f);
            var gen = new Generator(Mix(_seed, (ulong)epoch, (ulong)idx + 1));
            ImageBuffer cur = a, next = b;
            foreach (var t in _transforms)
            {
                t.Apply(cur, next, gen);
                (cur, next) = (next, cur);
            }
            images ??= Tensor.Empty(new[] { n, cur.Channels, cur.Height, cur.Width });
            if (cur.Length * n != images.Numel) throw new InvalidOperationException($"BatchLoader: transforms produced images of different sizes ({cur.Channels}x{cur.Height}x{cur.Width})");
            cur.Data.AsSpan(0, cur.Length).CopyTo(images.AsSpan().Slice(i * cur.Length, cur.Length));
            ls[i] = _data.Labels[idx];
        }
        return new Batch(images!, labels);
    }
}
