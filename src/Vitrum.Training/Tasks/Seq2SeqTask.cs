using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Text;
using Vitrum.Models;
using Vitrum.Models.Transformer;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Training.Distributed;

namespace Vitrum.Training.Tasks;

/// <summary>
/// An encoder-decoder Transformer on (word, pronunciation) pairs as in "Attention Is All You Need" (section 5): Adam
/// (beta2 0.98, eps 1e-9), the Noam schedule (linear warmup, then inverse square root; its peak, reached at the end of
/// the warmup, is <c>Lr</c>), optionally cooled down linearly to 0 over the last <see cref="TrainOptions.Cooldown"/> of
/// the run, label-smoothed cross-entropy over the target tokens that are not padding, length-bucketed batches. After
/// every epoch it decodes the validation words greedily; the lowest validation WER picks the best weights, with which
/// the test words are decoded at the end (beam <see cref="TrainOptions.BeamSize"/>). Data-parallel, every rank plans the
/// same batches and trains on its rows of each; its summed loss over the whole batch's target tokens (known to every rank)
/// times the rank count makes the averaged gradient the one process's, and the decoding is sharded and its counts summed.
/// </summary>
public sealed class Seq2SeqTask : ITrainingTask<Seq2SeqBatch>, IDataParallelTask
{
    private readonly TransformerModel _model;
    private readonly G2PData _data;
    private readonly TrainOptions _options;
    private readonly BucketBatcher _batcher;

    public Seq2SeqTask(ModelInstance model, G2PData data, TrainOptions options)
    {
        _model = model.Module as TransformerModel ?? throw new ArgumentException($"sequence-to-sequence training needs a Transformer, not a '{model.Family.Name}' model");
        (Model, _data, _options) = (model, data, options);
        _batcher = new BucketBatcher(BucketBatcher.Pairs(data.Train), options.BatchSize, options.Seed)
        {
            Shard = new DataShard(options.Group.Rank, options.Group.Size),
        };
    }

    /// <summary>A task for a bare <see cref="TransformerModel"/>.</summary>
    public Seq2SeqTask(TransformerModel model, G2PData data, TrainOptions options)
        : this(new ModelInstance(TransformerFamily.Instance, model.Config, model), data, options) { }

    public ModelInstance Model { get; }
    public string Unit => "tok/s";
    public string ThroughputKey => "tokens_per_second";
    public string TrainAccuracyKey => "train_token_accuracy";
    public MetricGoal Goal => new("valid_wer", HigherIsBetter: false);

    /// <summary>Validation is decoded, not scored by loss: its word and phoneme error rates are drawn.</summary>
    public RatePanel ChartRates { get; } = new("validation error rates", "error rate", new[] { ("valid_wer", "WER (words)"), ("valid_per", "PER (phonemes)") });
    public int BatchesPerEpoch => _batcher.BatchesPerEpoch;
    public IReadOnlyDictionary<string, string> WeightsMetadata { get; } = new Dictionary<string, string>();

    /// <summary>Words decoded per batch during validation and test.</summary>
    public int EvalBatchSize { get; init; } = 512;

    /// <summary>The warmup the run uses: <c>WarmupSteps</c>, else <c>WarmupEpochs</c> epochs of steps, never more than the paper's 4000.</summary>
    public static long Warmup(TrainOptions o, int stepsPerEpoch) =>
        Math.Max(1, o.WarmupSteps ?? Math.Min(4000, (long)Math.Round(o.WarmupEpochs * stepsPerEpoch)));

    public Optimizer CreateOptimizer() =>
        new AdamW(ParamGroup.WeightDecaySplit(_model, _options.Lr, _options.WeightDecay, Model.NoWeightDecay), 0.9, 0.98, 1e-9);

    public LrSchedule CreateSchedule()
    {
        long warmup = Warmup(_options, BatchesPerEpoch);
        int d = _model.Config.DModel;
        // Noam's lr peaks at factor * d^-0.5 * warmup^-0.5; the factor makes that peak options.Lr.
        LrSchedule schedule = new NoamSchedule(d, warmup, _options.Lr * Math.Sqrt(d * (double)warmup));
        long planned = (long)BatchesPerEpoch * _options.Epochs;
        return _options.Cooldown > 0
            ? new LinearCooldown(schedule, planned, Math.Clamp((long)Math.Round(_options.Cooldown * planned), 1, planned))
            : schedule;
    }

    public IEnumerable<Seq2SeqBatch> Epoch(int epoch, int skip) => _batcher.Epoch(epoch, skip);

    public BatchLoss Loss(Seq2SeqBatch batch, long step)
    {
        var logits = _model.Forward(batch.Src, batch.TgtIn).Reshape(-1, _model.Config.TgtVocabSize);
        var gold = batch.TgtOut.Reshape(-1);
        int ranks = _options.Group.Size;
        var loss = ranks == 1
            ? Ops.CrossEntropy(logits, gold, ignoreIndex: Vocabulary.Pad, labelSmoothing: (float)_options.LabelSmoothing)
            // The ranks' gradients are averaged: each contributes its tokens' losses over the whole batch's tokens, times N.
            : Ops.Mul(Ops.CrossEntropy(logits, gold, ignoreIndex: Vocabulary.Pad, labelSmoothing: (float)_options.LabelSmoothing, reduction: Reduction.Sum),
                (float)ranks / batch.BatchTgtTokens);
        return new BatchLoss(loss, batch.TgtTokens, Seq2SeqEvaluation.CountCorrectTokens(logits, gold, Vocabulary.Pad), (double)batch.BatchTokens / ranks);
    }

    public IReadOnlyList<Metric> Evaluate() => Scored("valid", Seq2SeqEvaluation.Score(_model, _data.Valid, EvalBatchSize, group: _options.Group));

    /// <summary>Beam decoding the test words is slow: only the best weights are tested.</summary>
    public bool TestsFinalWeights => false;

    public IReadOnlyList<Metric> Test(CancellationToken ct) =>
        Scored("test", Seq2SeqEvaluation.Score(_model, _data.Test, EvalBatchSize, _options.BeamSize, (float)_options.LengthPenalty, ct, _options.Group));

    private static Metric[] Scored(string split, Metrics.PronunciationScore s) =>
        new[] { new Metric($"{split}_wer", s.Wer, true, $"{split} WER"), new Metric($"{split}_per", s.Per, true, $"{split} PER") };
}
