using System.Text.Json;
using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Nn;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;

namespace Vitrum.Training.Tasks;

/// <summary>
/// Image classification as timm's train.py runs it on a CPU: AdamW with decay/no-decay groups, linear warmup then
/// cosine decay per step, label-smoothed cross-entropy (soft-target cross-entropy when <see cref="TrainOptions.Mixup"/>
/// mixes each batch, drawn from (seed, step) so a resumed run mixes alike), and the test split's loss and accuracy after
/// every epoch, whose accuracy picks the best weights.
/// </summary>
public sealed class ImageClassificationTask : ITrainingTask<Batch>
{
    private readonly Module<Tensor, Tensor> _classifier;
    private readonly ImageClassificationData _test;
    private readonly IReadOnlyList<IImageTransform> _testTransforms;
    private readonly TrainOptions _options;
    private readonly BatchLoader _loader;

    public ImageClassificationTask(ModelInstance model, ImageClassificationData train, ImageClassificationData test,
        IReadOnlyList<IImageTransform> trainTransforms, IReadOnlyList<IImageTransform> testTransforms, TrainOptions options)
    {
        (Model, _classifier, _test, _testTransforms, _options) = (model, model.Classifier, test, testTransforms, options);
        _loader = new BatchLoader(train, options.BatchSize, trainTransforms, options.Seed, shuffle: true, dropLast: train.Count >= options.BatchSize);
        WeightsMetadata = new Dictionary<string, string> { ["classes"] = JsonSerializer.Serialize(train.Classes) };
    }

    public ModelInstance Model { get; }
    public string Unit => "img/s";
    public string ThroughputKey => "images_per_second";
    public string TrainAccuracyKey => "train_accuracy";
    public MetricGoal Goal => new("test_accuracy", HigherIsBetter: true);
    public RatePanel ChartRates { get; } = new("accuracy", "accuracy", new[] { ("train_accuracy", "train"), ("test_accuracy", "test") });
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

    public IReadOnlyList<Metric> Evaluate()
    {
        var (loss, accuracy) = Evaluation.Classify(_classifier, _test, _testTransforms, Math.Max(_options.BatchSize, 256));
        return new[] { new Metric("test_loss", loss, false), new Metric("test_accuracy", accuracy, true) };
    }

    /// <summary>The per-epoch evaluation is on the test split already.</summary>
    public IReadOnlyList<Metric> Test(CancellationToken ct) => Array.Empty<Metric>();
}
