using System.Text.Json;
using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Nn;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Training.Distributed;

namespace Vitrum.Training.Tasks;

/// <summary>
/// Image classification as timm's train.py runs it on a CPU: AdamW with decay/no-decay groups, linear warmup then
/// cosine decay per step, label-smoothed cross-entropy (soft-target cross-entropy when <see cref="TrainOptions.Mixup"/>
/// mixes each batch, drawn from (seed, step) so a resumed run mixes alike), the validation split's loss and accuracy
/// after every epoch, whose accuracy picks the best weights, and the test split's at the end, of both the final and the
/// best weights. Data-parallel, each rank reads its shard of every epoch (<see cref="DataShard"/>) and of the validation and
/// test splits, whose counts are summed over the ranks.
/// </summary>
public sealed class ImageClassificationTask : ITrainingTask<Batch>, IDataParallelTask
{
    private readonly Module<Tensor, Tensor> _classifier;
    private readonly ImageClassificationData _val;
    private readonly ImageClassificationData? _test;
    private readonly IReadOnlyList<IImageTransform> _evalTransforms;
    private readonly TrainOptions _options;
    private readonly BatchLoader _loader;

    /// <param name="evalTransforms">the preprocessing of the validation and test images</param>
    public ImageClassificationTask(ModelInstance model, ImageSplits data,
        IReadOnlyList<IImageTransform> trainTransforms, IReadOnlyList<IImageTransform> evalTransforms, TrainOptions options)
    {
        (Model, _classifier, _val, _test, _evalTransforms, _options) = (model, model.Classifier, data.Val, data.Test, evalTransforms, options);
        var train = data.Train;
        var group = options.Group;
        if (options.BatchSize % group.Size != 0)
            throw new ArgumentException($"the batch size {options.BatchSize} is the global batch of {group.Size} processes and must divide by {group.Size}");
        _loader = new BatchLoader(train, options.BatchSize / group.Size, trainTransforms, options.Seed, shuffle: true, dropLast: train.Count >= options.BatchSize)
        {
            Shard = new DataShard(group.Rank, group.Size),
        };
        WeightsMetadata = new Dictionary<string, string> { ["classes"] = JsonSerializer.Serialize(train.Classes) };
    }

    public ModelInstance Model { get; }
    public string Unit => "img/s";
    public string ThroughputKey => "images_per_second";
    public string TrainAccuracyKey => "train_accuracy";
    public MetricGoal Goal => new("val_accuracy", HigherIsBetter: true);
    public RatePanel ChartRates { get; } = new("accuracy", "accuracy", new[] { ("train_accuracy", "train"), ("val_accuracy", "val") });
    public bool TestsFinalWeights => true;
    public int BatchesPerEpoch => _loader.BatchesPerEpoch;
    public IReadOnlyDictionary<string, string> WeightsMetadata { get; }

    public Optimizer CreateOptimizer() =>
        new AdamW(Model.ParamGroups(_options.Lr, _options.WeightDecay, _options.LayerDecay));

    public LrSchedule CreateSchedule()
    {
        long total = (long)BatchesPerEpoch * _options.Epochs;
        return new WarmupCosine(_options.Lr, Math.Min(total, (long)(_options.WarmupEpochs * BatchesPerEpoch)), total, _options.MinLr);
    }

    public IEnumerable<Batch> Epoch(int epoch, int skip) => _loader.Epoch(epoch, skip);

    public BatchLoss Loss(Batch batch, long step)
    {
        var targets = _options.Mixup is { Enabled: true } mix
            ? mix.Apply(batch.Images, batch.Labels, new Generator(_options.Seed * 0x9E3779B97F4A7C15UL ^ (ulong)step), out _) : null;
        var logits = _classifier.Forward(batch.Images);
        var loss = targets != null ? Losses.SoftTargetCrossEntropy(logits, targets)
            : Ops.CrossEntropy(logits, batch.Labels, labelSmoothing: (float)_options.LabelSmoothing);
        return new BatchLoss(loss, batch.Size, Evaluation.CountCorrect(logits, batch.Labels), batch.Size);
    }

    public IReadOnlyList<Metric> Evaluate() => Scored("val", _val, default);

    public IReadOnlyList<Metric> Test(CancellationToken ct) => _test == null ? Array.Empty<Metric>() : Scored("test", _test, ct);

    private Metric[] Scored(string split, ImageClassificationData data, CancellationToken ct)
    {
        var (loss, accuracy) = Evaluation.Classify(_classifier, data, _evalTransforms, Math.Max(_options.BatchSize, 256), ct, _options.Group);
        return new[] { new Metric($"{split}_loss", loss, false), new Metric($"{split}_accuracy", accuracy, true) };
    }
}
