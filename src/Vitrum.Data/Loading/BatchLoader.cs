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
/// Prepares batches of an image classification data set on a background thread while the model trains on the
/// previous ones, in an order and with random transforms fixed by the seed (<see cref="BackgroundBatches"/>).
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

    /// <summary>The part of each epoch this process reads in a data-parallel run (<see cref="DataShard"/>); its batches hold <see cref="BatchSize"/> items each.</summary>
    public DataShard Shard { get; init; } = DataShard.Whole;

    /// <summary>Whether the shard pads the order so every rank gets as many items (training); evaluation reads each item once.</summary>
    public bool PadShard { get; init; } = true;

    public BatchLoader(ImageClassificationData data, int batchSize, IReadOnlyList<IImageTransform> transforms, ulong seed, bool shuffle = true, bool dropLast = false, int prefetch = 3)
    {
        if (batchSize <= 0) throw new ArgumentException($"BatchLoader: batch size must be positive, got {batchSize}");
        if (data.Count == 0) throw new ArgumentException("BatchLoader: the data set is empty");
        (_data, _transforms, _seed, BatchSize, Shuffle, DropLast, Prefetch) = (data, transforms, seed, batchSize, shuffle, dropLast, Math.Max(1, prefetch));
    }

    public int BatchesPerEpoch => BackgroundBatches.BatchesPerEpoch(Shard.Length(_data.Count, PadShard), BatchSize, DropLast);

    /// <summary>Sample order of one epoch: this process's shard of it (the whole order unless <see cref="Shard"/> is set).</summary>
    public int[] Order(int epoch) => Shard.Of(BackgroundBatches.Order(_data.Count, _seed, epoch, Shuffle), PadShard);

    /// <summary>The batches of <paramref name="epoch"/>, starting at batch <paramref name="skipBatches"/> (for resuming mid-epoch).</summary>
    public IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0, CancellationToken ct = default)
    {
        var order = Order(epoch);
        return BackgroundBatches.Produce("BatchLoader", BatchesPerEpoch, skipBatches, Prefetch, () => (new ImageBuffer(), new ImageBuffer()),
            (bi, ws) => Make(order, bi * BatchSize, Math.Min(BatchSize, order.Length - bi * BatchSize), epoch, ws.Item1, ws.Item2), ct);
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
            var gen = BackgroundBatches.SampleGenerator(_seed, epoch, idx);
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
