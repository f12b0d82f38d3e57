using System.Text.Json;
using Vitrum.Data.Coco;
using Vitrum.Data.Detection;
using Vitrum.Models;
using Vitrum.Models.Detr;
using Vitrum.Nn;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Training.Coco;
using Vitrum.Training.Distributed;
using Vitrum.Data.Loading;

namespace Vitrum.Training.Tasks;

/// <summary>
/// Object detection with DETR as its main.py and engine.py train it: the <see cref="SetCriterion"/>'s weighted sum (ce 1,
/// bbox 5, giou 2, every decoder layer's auxiliary loss, "no object" weighted 0.1), AdamW with weight decay on every
/// parameter and the backbone at <see cref="DetectionOptions.BackboneLrScale"/> of the rate (its frozen stem and layer1
/// left out), gradient clipping as the trainer's (DETR's clip_max_norm 0.1 comes with the recipe), and a tenfold drop
/// of the rate after <see cref="DetectionOptions.LrDropEpochs"/>. Each epoch reports the final decoder layer's loss
/// terms, class error and cardinality error averaged over its batches (as DETR's MetricLogger), so a run that does not
/// learn shows early, and the validation split's COCO AP, which picks the best weights; the test gives COCOeval's 12
/// numbers. Data-parallel, each rank trains on its shard of every batch and divides its losses by the whole batch's boxes
/// and class weights (summed over the ranks each step, as DETR all-reduces num_boxes), so the averaged gradient is the
/// one process's; evaluation detects on shards and gathers the detections.
/// </summary>
public sealed class DetectionTask : ITrainingTask<DetectionBatch>, IDataParallelTask
{
    /// <summary>The final layer's terms each epoch reports, under DETR's names, prefixed "train_".</summary>
    public static readonly string[] TermNames = { "loss_ce", "loss_bbox", "loss_giou", "class_error", "cardinality_error" };

    private readonly Module<ImageBatch, DetrOutput> _detector;
    private readonly DetectionData _data;
    private readonly TrainOptions _options;
    private readonly DetectionOptions _detection;
    private readonly DetectionLoader _loader;
    private readonly double[] _termSums = new double[TermNames.Length];
    private int _termBatches;
    private readonly int _groups;
    private readonly DetrModel? _denoising;
    private readonly DenoisingCriterion _dnCriterion = new();
    private readonly Generator _dnNoise;
    private double _dnLossSum;

    public DetectionTask(ModelInstance model, DetectionData data, TrainOptions options, DetectionOptions? detection = null)
    {
        _detector = model.Detector;
        (Model, _data, _options, _detection) = (model, data, options, detection ?? new DetectionOptions());
        var config = model.Config as DetrConfig ?? throw new ArgumentException($"detection training needs a DETR, not a '{model.Family.Name}' model");
        Criterion = new SetCriterion(config.NumClasses);
        _groups = config.QueryGroups;
        if (config.DenoisingGroups > 0)
            _denoising = model.Module as DetrModel ?? throw new ArgumentException($"detection training: dn_groups {config.DenoisingGroups} needs Vitrum's DetrModel");
        _dnNoise = new Generator(options.Seed ^ 0xD0_15E5UL);
        var group = options.Group;
        if (options.BatchSize % group.Size != 0)
            throw new ArgumentException($"the batch size {options.BatchSize} is the global batch of {group.Size} processes and must divide by {group.Size}");
        _loader = new DetectionLoader(data.Train, options.BatchSize / group.Size, data.TrainTransform, options.Seed, shuffle: true, dropLast: data.Train.Count >= options.BatchSize)
        {
            Shard = new DataShard(group.Rank, group.Size),
        };
        WeightsMetadata = new Dictionary<string, string> { ["classes"] = JsonSerializer.Serialize(NamesById(data.Train.Coco, config.NumClasses)) };
    }

    /// <summary>
    /// The "classes" metadata of a detector: a name per category id (the class index DETR predicts), "N/A" for ids the
    /// data set does not use, as DETR's COCO names list its gaps; so detect and predict label boxes with the data's names.
    /// </summary>
    public static string[] NamesById(CocoDataset coco, int numClasses)
    {
        var used = coco.Categories.Where(c => c.Id >= 0 && c.Id < numClasses).ToArray();
        if (used.Length == 0) return Array.Empty<string>();
        var names = Enumerable.Repeat("N/A", (int)used.Max(c => c.Id) + 1).ToArray();
        foreach (var c in used) names[c.Id] = c.Name;
        return names;
    }

    public ModelInstance Model { get; }
    public SetCriterion Criterion { get; }
    public string Unit => "img/s";
    public string ThroughputKey => "images_per_second";

    /// <summary>The share of matched queries whose most likely class is their target's (100 - DETR's class_error, %).</summary>
    public string TrainAccuracyKey => "train_class_accuracy";
    public MetricGoal Goal => new("val_ap", HigherIsBetter: true);
    public RatePanel ChartRates { get; } = new("validation COCO AP", "AP", new[] { ("val_ap", "AP@[.5:.95]"), ("val_ap50", "AP50"), ("val_ap75", "AP75") });
    public bool TestsFinalWeights => true;
    public int BatchesPerEpoch => _loader.BatchesPerEpoch;
    public IReadOnlyDictionary<string, string> WeightsMetadata { get; }

    /// <summary>main.py's two groups: the transformer and heads at the rate, the trainable backbone at its fraction; all with weight decay.</summary>
    public Optimizer CreateOptimizer()
    {
        var named = Model.Module.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
        bool IsBackbone(string name) => name.StartsWith("backbone.", StringComparison.Ordinal);
        var main = new ParamGroup(named.Where(p => !IsBackbone(p.Name)).Select(p => p.Parameter), _options.Lr, _options.WeightDecay, "detr");
        double scale = _detection.BackboneLrScale;
        var backbone = new ParamGroup(named.Where(p => IsBackbone(p.Name)).Select(p => p.Parameter), _options.Lr * scale, _options.WeightDecay, "backbone") { LrScale = scale };
        return new AdamW(new[] { main, backbone }.Where(g => g.Params.Count > 0));
    }

    public LrSchedule CreateSchedule()
    {
        if (_detection.LrDropEpochs is int drop) return new StepDecay(_options.Lr, Math.Max(1L, (long)drop * BatchesPerEpoch));
        long total = (long)BatchesPerEpoch * _options.Epochs;
        return new WarmupCosine(_options.Lr, Math.Min(total, (long)(_options.WarmupEpochs * BatchesPerEpoch)), total, _options.MinLr);
    }

    public IEnumerable<DetectionBatch> Epoch(int epoch, int skip) => _loader.Epoch(epoch, skip);

    /// <summary>The weighted set loss; its weight is the batch's target boxes and "correct" its matched queries of the right class.</summary>
    public BatchLoss Loss(DetectionBatch batch, long step)
    {
        var images = new ImageBatch(batch.Images, batch.Mask);
        DetrOutput output;
        Tensor? dnLoss = null;
        if (_denoising != null)
        {
            // The noise of a step depends on the seed and the step alone, so a resumed run draws what it would have.
            _dnNoise.Reseed(_options.Seed * 0x9E3779B97F4A7C15UL ^ (ulong)step);
            var targets = batch.Targets.Select(t => new DetrTarget(t.Labels, t.Boxes)).ToArray();
            var dn = DenoisingQueries.Make(targets, _denoising.Config.DenoisingGroups, _denoising.Config.NumClasses, _dnNoise);
            (output, var denoised) = _denoising.ForwardDenoising(images, dn);
            // Data-parallel, each rank's reconstruction loss is its own part's mean (as DN-DETR's under DDP).
            dnLoss = _dnCriterion.Forward(denoised, dn).Total;
            _dnLossSum += dnLoss.Item();
        }
        else output = _detector.Forward(images);
        var grouped = Targets(batch, _groups);
        var losses = Criterion.Forward(output, grouped, WholeBatchNormalizers(output, grouped));
        var final = losses.Final;
        int boxes = batch.Targets.Sum(t => t.Count) * _groups;
        double classError = final.ClassError ?? 100;
        _termSums[0] += final.LossCe.Item();
        _termSums[1] += final.LossBbox.Item();
        _termSums[2] += final.LossGiou.Item();
        _termSums[3] += classError;
        _termSums[4] += final.CardinalityError;
        _termBatches++;
        long correct = (long)Math.Round((100 - classError) * boxes / 100);
        return new BatchLoss(dnLoss == null ? losses.Total : Ops.Add(losses.Total, dnLoss), Math.Max(boxes, 1), boxes == 0 ? 0 : correct, batch.Size);
    }

    /// <summary>Data-parallel: the whole batch's divisors, the ranks' shares summed (one small all-reduce a step); else null (this batch's own).</summary>
    private SetCriterion.Normalizers? WholeBatchNormalizers(DetrOutput output, IReadOnlyList<DetrTarget> targets)
    {
        var group = _options.Group;
        if (group.Size == 1) return null;
        var (boxes, weight) = Criterion.Shares(output, targets);
        var sums = new[] { boxes, weight };
        group.Sum(sums);
        return new SetCriterion.Normalizers((float)(Math.Max(sums[0], 1) / group.Size), (float)(sums[1] / group.Size));
    }

    /// <summary>The epoch's training loss terms (then reset; data-parallel, the ranks' means averaged), and the validation split's AP, AP50 and AP75.</summary>
    public IReadOnlyList<Metric> Evaluate()
    {
        var metrics = new List<Metric>();
        var group = _options.Group;
        var terms = _termSums.Append(_dnLossSum).Append(_termBatches).ToArray();
        group.Sum(terms);
        if (terms[^1] > 0)
        {
            for (int i = 0; i < TermNames.Length; i++) metrics.Add(new Metric("train_" + TermNames[i], terms[i] / terms[^1], false));
            if (_denoising != null) metrics.Add(new Metric("train_dn_loss", terms[^2] / terms[^1], false));
        }
        _dnLossSum = 0;
        Array.Clear(_termSums);
        _termBatches = 0;
        var stats = DetrEvaluation.Evaluate(_detector, _data.Val, _data.EvalTransform, _detection.EvalBatchSize, group: group).Stats;
        for (int i = 0; i < 3; i++) metrics.Add(StatMetric("val", i, stats));
        return metrics;
    }

    /// <summary>COCOeval's 12 numbers on the test split: test_ap, test_ap50, ..., test_ar_large.</summary>
    public IReadOnlyList<Metric> Test(CancellationToken ct)
    {
        if (_data.Test == null) return Array.Empty<Metric>();
        var stats = DetrEvaluation.Evaluate(_detector, _data.Test, _data.EvalTransform, _detection.EvalBatchSize, ct, _options.Group).Stats;
        return Enumerable.Range(0, CocoStats.Names.Count).Select(i => StatMetric("test", i, stats)).ToArray();
    }

    private static Metric StatMetric(string split, int i, CocoStats stats) =>
        new($"{split}_{CocoStats.Names[i]}", stats.Values[i], false, $"{split} {CocoStats.Names[i].ToUpperInvariant().Replace('_', ' ')}");

    /// <summary>Each image's targets, once per query group (Group DETR matches every group on its own); the box terms are then averaged over the groups.</summary>
    private static DetrTarget[] Targets(DetectionBatch batch, int groups) =>
        batch.Targets.SelectMany(t => Enumerable.Repeat(new DetrTarget(t.Labels, t.Boxes), groups)).ToArray();
}
