using Vitrum.Data.Loading;

namespace Vitrum.Data.Detection;

/// <summary>
/// Prepares padded detection batches on a background thread while the model trains on earlier ones: images decoded,
/// transformed with their boxes, and collated (<see cref="DetectionBatch.Collate"/>). The order of an epoch and each
/// sample's random transforms are fixed by the seed, as <see cref="BatchLoader"/>'s are.
/// </summary>
public sealed class DetectionLoader
{
    private readonly DetectionDataset _data;
    private readonly IDetectionTransform _transform;
    private readonly ulong _seed;

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public int Prefetch { get; }

    /// <summary>The part of each epoch this process reads in a data-parallel run (<see cref="DataShard"/>); its batches hold <see cref="BatchSize"/> images each.</summary>
    public DataShard Shard { get; init; } = DataShard.Whole;

    /// <summary>Whether the shard pads the order so every rank gets as many images (training); evaluation reads each image once.</summary>
    public bool PadShard { get; init; } = true;

    /// <param name="transform">the pipeline applied to each sample (a <see cref="Compose"/> of DETR's transforms, ending with <see cref="Normalize"/>)</param>
    /// <exception cref="ArgumentException">the batch size is not positive, or the data set is empty</exception>
    public DetectionLoader(DetectionDataset data, int batchSize, IDetectionTransform transform, ulong seed, bool shuffle = true, bool dropLast = false, int prefetch = 3)
    {
        if (batchSize <= 0) throw new ArgumentException($"DetectionLoader: batch size must be positive, got {batchSize}");
        if (data.Count == 0) throw new ArgumentException($"DetectionLoader: {data.Coco.Source} has no images");
        (_data, _transform, _seed, BatchSize, Shuffle, DropLast, Prefetch) = (data, transform, seed, batchSize, shuffle, dropLast, Math.Max(1, prefetch));
    }

    public int BatchesPerEpoch => BackgroundBatches.BatchesPerEpoch(Shard.Length(_data.Count, PadShard), BatchSize, DropLast);

    /// <summary>Sample order of one epoch (indices into the data set's id order): this process's shard of it (the whole order unless <see cref="Shard"/> is set).</summary>
    public int[] Order(int epoch) => Shard.Of(BackgroundBatches.Order(_data.Count, _seed, epoch, Shuffle), PadShard);

    /// <summary>The sample at <paramref name="index"/> as <paramref name="epoch"/> transforms it, into <paramref name="sample"/>.</summary>
    public void Prepare(int index, int epoch, DetectionSample sample)
    {
        _data.Load(index, sample);
        _transform.Apply(sample, BackgroundBatches.SampleGenerator(_seed, epoch, index));
    }

    /// <summary>The batches of <paramref name="epoch"/>, starting at batch <paramref name="skipBatches"/> (for resuming mid-epoch).</summary>
    public IEnumerable<DetectionBatch> Epoch(int epoch, int skipBatches = 0, CancellationToken ct = default)
    {
        var order = Order(epoch);
        return BackgroundBatches.Produce("DetectionLoader", BatchesPerEpoch, skipBatches, Prefetch,
            () => Enumerable.Range(0, BatchSize).Select(_ => new DetectionSample()).ToArray(),
            (bi, samples) =>
            {
                int start = bi * BatchSize, n = Math.Min(BatchSize, order.Length - start);
                for (int i = 0; i < n; i++) Prepare(order[start + i], epoch, samples[i]);
                return DetectionBatch.Collate(new ArraySegment<DetectionSample>(samples, 0, n));
            }, ct);
    }
}
