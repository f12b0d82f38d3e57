using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Datasets;
using Vitrum.Data.Images;
using Vitrum.Data.Loading;
using Vitrum.Data.Transforms;
using Vitrum.Nn;
using Vitrum.Nn.IO;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Training;

/// <summary>The outcome of a run: final and best test accuracy, epochs done, wall time, whether it was interrupted.</summary>
public sealed record TrainResult(double TestAccuracy, double BestAccuracy, int Epochs, double Seconds, bool Interrupted);

/// <summary>
/// Trains an image classifier as timm's train.py does on a CPU: AdamW with decay/no-decay groups, linear
/// warmup then cosine decay per step, label-smoothed cross-entropy, gradient clipping, evaluation after
/// every epoch. In <c>OutDir</c> it keeps <c>last.ckpt.safetensors</c> (everything needed to resume),
/// <c>best.safetensors</c> and <c>last.safetensors</c> (weights with the model config in their metadata)
/// and <c>metrics.jsonl</c>, drawn as <c>chart.png</c> after every epoch. With <see cref="TrainOptions.Mixup"/>
/// each batch is mixed (drawn from (seed, step), so a resumed run mixes alike) and trained on soft targets. Cancelling stops after the current step and saves a resumable checkpoint.
/// </summary>
public sealed class ImageClassifierTrainer(
    Module<Tensor, Tensor> model, string modelConfigJson, IEnumerable<string> noWeightDecay,
    ImageClassificationData train, ImageClassificationData test,
    IReadOnlyList<IImageTransform> trainTransforms, IReadOnlyList<IImageTransform> testTransforms, TrainOptions options)
{
    public Action<StepProgress>? OnStep { get; init; }
    public Action<EpochMetrics>? OnEpoch { get; init; }
    public Action<string>? Log { get; init; }

    public string CheckpointPath => Path.Combine(options.OutDir, "last.ckpt.safetensors");

    public TrainResult Run(CancellationToken ct = default)
    {
        var run = new RunDirectory(options.OutDir, model, modelConfigJson);
        var loader = new BatchLoader(train, options.BatchSize, trainTransforms, options.Seed, shuffle: true, dropLast: train.Count >= options.BatchSize);
        int perEpoch = loader.BatchesPerEpoch;
        long total = (long)perEpoch * options.Epochs;
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, options.Lr, options.WeightDecay, noWeightDecay));
        var schedule = new WarmupCosine(options.Lr, Math.Min(total, (long)(options.WarmupEpochs * perEpoch)), total, options.MinLr);
        var (step, extra) = run.Begin(opt, options.Resume, Log);
        double best = RunDirectory.ParseOr(extra, "best_accuracy", 0), lastAcc = 0;
        var clock = Stopwatch.StartNew();
        long startStep = step;
        bool interrupted = false;
        int epoch = (int)(step / perEpoch);
        model.Train();
        for (; epoch < options.Epochs && !interrupted; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            int skip = (int)(step - (long)epoch * perEpoch);
            int bi = skip;
            var loaderWait = new Stopwatch();
            foreach (var batch in Waited(loader.Epoch(epoch, skip), loaderWait))
            {
                using (batch)
                using (new TensorScope())
                {
                    schedule.Apply(opt, step);
                    var targets = options.Mixup is { Enabled: true } mix
                        ? mix.Apply(batch.Images, batch.Labels, new Generator(options.Seed * 0x9E3779B97F4A7C15UL ^ (ulong)step), out _) : null;
                    var logits = model.Forward(batch.Images);
                    var loss = targets != null ? Losses.SoftTargetCrossEntropy(logits, targets)
                        : Ops.CrossEntropy(logits, batch.Labels, labelSmoothing: (float)options.LabelSmoothing);
                    opt.ZeroGrad();
                    loss.Backward();
                    if (options.ClipGrad > 0) GradClip.ClipGradNorm(model.Parameters(), options.ClipGrad);
                    opt.Step();
                    lossSum += loss.Item() * batch.Size;
                    correct += Evaluation.CountCorrect(logits, batch.Labels);
                    seen += batch.Size;
                }
                step++;
                bi++;
                double elapsed = clock.Elapsed.TotalSeconds;
                double ips = (step - startStep) * (double)options.BatchSize / Math.Max(elapsed, 1e-9);
                var eta = TimeSpan.FromSeconds((total - step) * elapsed / Math.Max(1, step - startStep));
                OnStep?.Invoke(new StepProgress(epoch + 1, options.Epochs, bi, perEpoch, lossSum / seen, (double)correct / seen, ips, clock.Elapsed, eta));
                if (ct.IsCancellationRequested || (options.MaxSteps is long max && step >= max)) { interrupted = true; break; }
            }
            Log?.Invoke($"epoch {epoch + 1}: waited {loaderWait.Elapsed.TotalSeconds:F2} s for the batch loader in {epochClock.Elapsed.TotalSeconds:F1} s of training " +
                        $"({100 * loaderWait.Elapsed.TotalSeconds / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9):F1}%)");
            if (interrupted && bi < perEpoch)
            {
                SaveState(run, opt, step, best);
                Log?.Invoke($"stopped at step {step}; resume with --resume");
                break;
            }
            var (testLoss, testAcc) = Evaluation.Classify(model, test, testTransforms, Math.Max(options.BatchSize, 256));
            lastAcc = testAcc;
            var m = new EpochMetrics(epoch + 1, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen, testLoss, testAcc,
                opt.Groups[0].Lr, epochClock.Elapsed.TotalSeconds, seen / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9));
            run.AppendMetrics(m);
            ImageFile.SavePng(Path.Combine(options.OutDir, "chart.png"), MetricsChart.Render(MetricsChart.ReadMetrics(run.MetricsPath)));
            OnEpoch?.Invoke(m);
            var meta = new Dictionary<string, string>(options.Metadata)
            {
                ["classes"] = JsonSerializer.Serialize(train.Classes),
                ["test_accuracy"] = RunDirectory.Format(testAcc),
            };
            run.SaveWeights("last.safetensors", epoch + 1, meta);
            if (testAcc > best)
            {
                best = testAcc;
                run.SaveWeights("best.safetensors", epoch + 1, meta);
            }
            SaveState(run, opt, step, best);
        }
        return new TrainResult(lastAcc, best, epoch, clock.Elapsed.TotalSeconds, interrupted);
    }

    /// <summary>The batches of <paramref name="batches"/>, with the time spent waiting for each added to <paramref name="wait"/>: a loader that keeps up costs nothing here.</summary>
    private static IEnumerable<Batch> Waited(IEnumerable<Batch> batches, Stopwatch wait)
    {
        using var e = batches.GetEnumerator();
        while (true)
        {
            wait.Start();
            bool more = e.MoveNext();
            wait.Stop();
            if (!more) yield break;
            yield return e.Current;
        }
    }

    private static void SaveState(RunDirectory run, Optimizer opt, long step, double best) =>
        run.SaveState(opt, step, new Dictionary<string, string> { ["best_accuracy"] = RunDirectory.Format(best) });
}
