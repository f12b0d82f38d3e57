using System.Diagnostics;
using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Text;
using Vitrum.Models.Transformer;
using Vitrum.Nn.IO;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Training;

/// <summary>One line of a sequence-to-sequence run's metrics.jsonl, written after each epoch's validation.</summary>
/// <param name="Seconds">the epoch's wall time, validation included</param>
/// <param name="TokensPerSecond">source + target tokens (eos included, padding not) per second of training steps</param>
public sealed record Seq2SeqEpochMetrics(int Epoch, double TrainLoss, double TrainTokenAccuracy, double ValidWer, double ValidPer,
    double Lr, long Step, double Seconds, double TokensPerSecond);

/// <summary>The outcome of a run: test WER/PER of the best-validated weights, epochs done, wall time, how it ended.</summary>
public sealed record Seq2SeqResult(double TestWer, double TestPer, double BestValidWer, int Epochs, long Steps, double Seconds,
    double TrainSeconds, double TokensPerSecond, bool Interrupted, bool TimeLimitReached);

/// <summary>
/// Trains an encoder-decoder Transformer on (word, pronunciation) pairs as in "Attention Is All You Need"
/// (section 5): Adam (beta2 0.98, eps 1e-9), the Noam schedule (linear warmup, then inverse square root;
/// its peak, reached at the end of the warmup, is <c>Lr</c>), label-smoothed cross-entropy over the
/// target tokens that are not padding, gradient-norm clipping, length-bucketed batches. After every epoch
/// it decodes the validation words greedily (WER/PER) and keeps the weights with the lowest validation
/// WER; at the end it decodes the test words with those weights. Files (metrics.jsonl and chart.png, best/last weights,
/// a resumable checkpoint) are the <see cref="RunDirectory"/>'s; cancelling stops after the current step
/// and saves a checkpoint that <c>Resume</c> continues from.
/// </summary>
public sealed class Seq2SeqTrainer(TransformerModel model, G2PData data, TrainOptions options)
{
    public const string Unit = "tok/s";

    public Action<StepProgress>? OnStep { get; init; }
    public Action<Seq2SeqEpochMetrics>? OnEpoch { get; init; }
    public Action<string>? Log { get; init; }

    /// <summary>Words decoded per batch during validation and test.</summary>
    public int EvalBatchSize { get; init; } = 512;

    /// <summary>The warmup the run uses: <c>WarmupSteps</c>, else <c>WarmupEpochs</c> epochs of steps, never more than the paper's 4000.</summary>
    public static long Warmup(TrainOptions o, int stepsPerEpoch) =>
        Math.Max(1, o.WarmupSteps ?? Math.Min(4000, (long)Math.Round(o.WarmupEpochs * stepsPerEpoch)));

    public Seq2SeqResult Run(CancellationToken ct = default)
    {
        var run = new RunDirectory(options.OutDir, model, model.Config.ToJson());
        var batcher = new BucketBatcher(BucketBatcher.Pairs(data.Train), options.BatchSize, options.Seed);
        int perEpoch = batcher.BatchesPerEpoch;
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, options.Lr, options.WeightDecay), 0.9, 0.98, 1e-9);
        long warmup = Warmup(options, perEpoch);
        // Noam's lr peaks at factor * d^-0.5 * warmup^-0.5; the factor makes that peak options.Lr.
        LrSchedule schedule = new NoamSchedule(model.Config.DModel, warmup, options.Lr * Math.Sqrt(model.Config.DModel * (double)warmup));
        long planned = (long)perEpoch * options.Epochs;
        if (options.Cooldown > 0)
            schedule = new LinearCooldown(schedule, planned, Math.Clamp((long)Math.Round(options.Cooldown * planned), 1, planned));
        var (step, extra) = run.Begin(opt, options.Resume, Log);
        // A fresh run must not average the kept epochs of an earlier run in the same folder.
        if (!options.Resume)
            foreach (var stale in Directory.EnumerateFiles(run.Dir, "epoch-*.safetensors")) File.Delete(stale);
        double bestWer = RunDirectory.ParseOr(extra, "best_valid_wer", double.PositiveInfinity);
        double trainSeconds = RunDirectory.ParseOr(extra, "train_seconds", 0), spentBefore = RunDirectory.ParseOr(extra, "seconds", 0);
        var clock = Stopwatch.StartNew();
        long startStep = step, tokensDone = 0;
        double trainSecondsAtStart = trainSeconds;
        bool interrupted = false, outOfTime = false;
        int epoch = (int)(step / perEpoch);
        int vocab = model.Config.TgtVocabSize;
        model.Train();
        for (; epoch < options.Epochs && !interrupted && !outOfTime; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, targets = 0, epochTokens = 0;
            int bi = (int)(step - (long)epoch * perEpoch);
            foreach (var batch in batcher.Epoch(epoch, bi))
            {
                using (batch)
                using (new TensorScope())
                {
                    schedule.Apply(opt, step);
                    var logits = model.Forward(batch.Src, batch.TgtIn).Reshape(-1, vocab);
                    var gold = batch.TgtOut.Reshape(-1);
                    var loss = Ops.CrossEntropy(logits, gold, ignoreIndex: Vocabulary.Pad, labelSmoothing: (float)options.LabelSmoothing);
                    opt.ZeroGrad();
                    loss.Backward();
                    if (options.ClipGrad > 0) GradClip.ClipGradNorm(model.Parameters(), options.ClipGrad);
                    opt.Step();
                    lossSum += loss.Item() * batch.TgtTokens;
                    correct += Seq2SeqEvaluation.CountCorrectTokens(logits, gold, Vocabulary.Pad);
                    targets += batch.TgtTokens;
                    epochTokens += batch.SrcTokens + batch.TgtTokens;
                }
                step++;
                bi++;
                double elapsed = clock.Elapsed.TotalSeconds;
                long done = step - startStep;
                var eta = TimeSpan.FromSeconds(((long)perEpoch * options.Epochs - step) * elapsed / Math.Max(1, done));
                OnStep?.Invoke(new StepProgress(epoch + 1, options.Epochs, bi, perEpoch, lossSum / targets, (double)correct / targets,
                    (tokensDone + epochTokens) / Math.Max(trainSeconds - trainSecondsAtStart + epochClock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed, eta, Unit));
                if (ct.IsCancellationRequested || (options.MaxSteps is long max && step >= max)) { interrupted = true; break; }
                if (options.MaxMinutes is double budget && spentBefore + clock.Elapsed.TotalSeconds >= budget * 60) { outOfTime = true; break; }
            }
            double epochTrainSeconds = epochClock.Elapsed.TotalSeconds;
            trainSeconds += epochTrainSeconds;
            tokensDone += epochTokens;
            if (interrupted && bi < perEpoch)
            {
                SaveState(run, opt, step, bestWer, trainSeconds, spentBefore + clock.Elapsed.TotalSeconds);
                Log?.Invoke($"stopped at step {step}; resume with --resume");
                break;
            }
            var valid = Seq2SeqEvaluation.Score(model, data.Valid, EvalBatchSize);
            model.Train();
            var m = new Seq2SeqEpochMetrics(epoch + 1, targets == 0 ? 0 : lossSum / targets, targets == 0 ? 0 : (double)correct / targets,
                valid.Wer, valid.Per, opt.Groups[0].Lr, step, epochClock.Elapsed.TotalSeconds, epochTokens / Math.Max(epochTrainSeconds, 1e-9));
            run.AppendMetrics(m);
            run.SaveChart<Seq2SeqEpochMetrics>(TrainingChart.Of);
            OnEpoch?.Invoke(m);
            var meta = new Dictionary<string, string> { ["valid_wer"] = RunDirectory.Format(valid.Wer), ["valid_per"] = RunDirectory.Format(valid.Per) };
            run.SaveWeights("last.safetensors", epoch + 1, meta);
            if (epoch >= options.Epochs - options.AverageLast) run.SaveWeights(EpochFile(epoch + 1), epoch + 1, meta);
            if (valid.Wer < bestWer)
            {
                bestWer = valid.Wer;
                run.SaveWeights("best.safetensors", epoch + 1, meta);
            }
            SaveState(run, opt, step, bestWer, trainSeconds, spentBefore + clock.Elapsed.TotalSeconds);
        }
        if (interrupted)
            return new Seq2SeqResult(double.NaN, double.NaN, bestWer, epoch, step, spentBefore + clock.Elapsed.TotalSeconds, trainSeconds, tokensDone / Math.Max(trainSeconds - trainSecondsAtStart, 1e-9), true, false);
        bestWer = AverageLastEpochs(run, epoch, bestWer);
        LoadBest(run);
        var test = Seq2SeqEvaluation.Score(model, data.Test, EvalBatchSize, options.BeamSize, (float)options.LengthPenalty, ct);
        return new Seq2SeqResult(test.Wer, test.Per, bestWer, epoch, step, spentBefore + clock.Elapsed.TotalSeconds, trainSeconds,
            tokensDone / Math.Max(trainSeconds - trainSecondsAtStart, 1e-9), false, outOfTime);
    }

    private static string EpochFile(int epoch) => $"epoch-{epoch}.safetensors";

    /// <summary>
    /// Averages the kept weights of the last <c>AverageLast</c> epochs up to <paramref name="epochsDone"/>
    /// (fewer when the run stopped early) into averaged.safetensors, validates the average, and makes it the
    /// best weights when it beats <paramref name="bestWer"/>. Returns the best validation WER.
    /// </summary>
    private double AverageLastEpochs(RunDirectory run, int epochsDone, double bestWer)
    {
        var files = Enumerable.Range(epochsDone - options.AverageLast + 1, Math.Max(0, options.AverageLast))
            .Select(e => Path.Combine(run.Dir, EpochFile(e))).Where(File.Exists).ToList();
        if (files.Count < 2) return bestWer;
        using (new TensorScope())
            TransformerWeights.Load(model, CheckpointAverage.Average(files), "averaged checkpoints");
        var valid = Seq2SeqEvaluation.Score(model, data.Valid, EvalBatchSize);
        var meta = new Dictionary<string, string>
        {
            ["valid_wer"] = RunDirectory.Format(valid.Wer), ["valid_per"] = RunDirectory.Format(valid.Per),
            ["averaged_epochs"] = string.Join(",", files.Select(Path.GetFileName)),
        };
        run.SaveWeights("averaged.safetensors", epochsDone, meta);
        Log?.Invoke(string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "average of the last {0} epochs: valid WER {1:P2} PER {2:P2} (best single epoch: WER {3:P2})", files.Count, valid.Wer, valid.Per, bestWer));
        if (valid.Wer >= bestWer) return bestWer;
        run.SaveWeights("best.safetensors", epochsDone, meta);
        return valid.Wer;
    }

    /// <summary>The test set is decoded with the weights that validated best, as the run's result.</summary>
    private void LoadBest(RunDirectory run)
    {
        var path = Path.Combine(run.Dir, "best.safetensors");
        if (!File.Exists(path)) return;
        TransformerWeights.Load(model, path);
    }

    private static void SaveState(RunDirectory run, Optimizer opt, long step, double bestWer, double trainSeconds, double seconds) =>
        run.SaveState(opt, step, new Dictionary<string, string>
        {
            ["best_valid_wer"] = RunDirectory.Format(bestWer),
            ["train_seconds"] = RunDirectory.Format(trainSeconds),
            ["seconds"] = RunDirectory.Format(seconds),
        });
}
