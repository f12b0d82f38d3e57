using System.Diagnostics;
using Vitrum.Nn.IO;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Training;

/// <summary>
/// The one training loop of every task: per step the schedule's rate, the task's loss, backward, gradient-norm
/// clipping and the optimizer step; after every epoch the task's evaluation, a metrics.jsonl line and chart.png,
/// <c>last.safetensors</c>, <c>best.safetensors</c> (by the task's goal metric) and a resumable checkpoint. Cancelling
/// (Ctrl+C, SIGTERM), <see cref="TrainOptions.MaxSteps"/> and <see cref="TrainOptions.MaxMinutes"/> stop it after a
/// step; a stop mid-epoch saves a checkpoint that <see cref="TrainOptions.Resume"/> continues bit for bit. At the end
/// the last <see cref="TrainOptions.AverageLast"/> epochs' weights are averaged (kept when they evaluate better, as the
/// Transformer paper averages its last checkpoints), the best weights are loaded and the task's test runs.
/// </summary>
/// <param name="options">the run's options; the task was built with the same</param>
public sealed class Trainer<TBatch>(ITrainingTask<TBatch> task, TrainOptions options) where TBatch : IDisposable
{
    public Action<StepProgress>? OnStep { get; init; }
    public Action<EpochRecord>? OnEpoch { get; init; }
    public Action<string>? Log { get; init; }

    private string BestKey => "best_" + task.Goal.Key;

    public TrainResult Run(CancellationToken ct = default)
    {
        var model = task.Model.Module;
        var run = new RunDirectory(options.OutDir, model, task.Model.ConfigJson);
        int perEpoch = task.BatchesPerEpoch;
        long planned = (long)perEpoch * options.Epochs;
        var opt = task.CreateOptimizer();
        var schedule = task.CreateSchedule();
        var (step, extra) = run.Begin(opt, options.Resume, Log);
        // A fresh run must not average the kept epochs of an earlier run in the same folder.
        if (!options.Resume)
            foreach (var stale in Directory.EnumerateFiles(run.Dir, "epoch-*.safetensors")) File.Delete(stale);
        double best = RunDirectory.ParseOr(extra, BestKey, task.Goal.Worst);
        double trainSeconds = RunDirectory.ParseOr(extra, "train_seconds", 0), spentBefore = RunDirectory.ParseOr(extra, "seconds", 0);
        double trainSecondsAtStart = trainSeconds, unitsDone = 0;
        var clock = Stopwatch.StartNew();
        long startStep = step;
        bool interrupted = false, outOfTime = false;
        IReadOnlyList<Metric>? last = null;
        int epoch = (int)(step / perEpoch);
        model.Train();
        for (; epoch < options.Epochs && !interrupted && !outOfTime; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0, weight = 0, epochUnits = 0;
            long correct = 0;
            int bi = (int)(step - (long)epoch * perEpoch);
            var loaderWait = new Stopwatch();
            foreach (var batch in Waited(task.Epoch(epoch, bi), loaderWait))
            {
                using (batch)
                using (new TensorScope())
                {
                    schedule.Apply(opt, step);
                    var b = task.Loss(batch, step);
                    opt.ZeroGrad();
                    b.Loss.Backward();
                    if (options.ClipGrad > 0) GradClip.ClipGradNorm(model.Parameters(), options.ClipGrad);
                    opt.Step();
                    lossSum += b.Loss.Item() * b.Weight;
                    weight += b.Weight;
                    correct += b.Correct;
                    epochUnits += b.Units;
                }
                step++;
                bi++;
                double elapsed = clock.Elapsed.TotalSeconds;
                var eta = TimeSpan.FromSeconds((planned - step) * elapsed / Math.Max(1, step - startStep));
                double rate = (unitsDone + epochUnits) / Math.Max(trainSeconds - trainSecondsAtStart + epochClock.Elapsed.TotalSeconds, 1e-9);
                OnStep?.Invoke(new StepProgress(epoch + 1, options.Epochs, bi, perEpoch, lossSum / weight, correct / weight, rate, clock.Elapsed, eta, task.Unit));
                if (ct.IsCancellationRequested || (options.MaxSteps is long max && step >= max)) { interrupted = true; break; }
                if (options.MaxMinutes is double budget && spentBefore + clock.Elapsed.TotalSeconds >= budget * 60) { outOfTime = true; break; }
            }
            double epochTrainSeconds = epochClock.Elapsed.TotalSeconds;
            Log?.Invoke($"batch loader wait in epoch {epoch + 1}: {loaderWait.Elapsed.TotalSeconds:F2} s of {epochTrainSeconds:F1} s of training " +
                        $"({100 * loaderWait.Elapsed.TotalSeconds / Math.Max(epochTrainSeconds, 1e-9):F1}%)");
            trainSeconds += epochTrainSeconds;
            unitsDone += epochUnits;
            if (interrupted && bi < perEpoch)
            {
                SaveState(run, opt, step, best, trainSeconds, spentBefore + clock.Elapsed.TotalSeconds);
                Log?.Invoke($"stopped at step {step}; resume with --resume");
                break;
            }
            last = task.Evaluate();
            model.Train();
            var record = new EpochRecord(epoch + 1, step, weight == 0 ? 0 : lossSum / weight, weight == 0 ? 0 : correct / weight, last,
                schedule.LrAt(Math.Max(0, step - 1)), epochClock.Elapsed.TotalSeconds, epochUnits / Math.Max(epochTrainSeconds, 1e-9));
            run.AppendMetricsLine(record.ToJson(task.TrainAccuracyKey, task.ThroughputKey));
            run.SaveChart(task.ChartRates);
            OnEpoch?.Invoke(record);
            var meta = Metadata(last);
            run.SaveWeights("last.safetensors", epoch + 1, meta);
            if (epoch >= options.Epochs - options.AverageLast) run.SaveWeights(EpochFile(epoch + 1), epoch + 1, meta);
            double value = task.Goal.Of(last);
            if (task.Goal.IsBetter(value, best))
            {
                best = value;
                run.SaveWeights("best.safetensors", epoch + 1, meta);
            }
            SaveState(run, opt, step, best, trainSeconds, spentBefore + clock.Elapsed.TotalSeconds);
        }
        double perSecond = unitsDone / Math.Max(trainSeconds - trainSecondsAtStart, 1e-9);
        if (interrupted)
            return new TrainResult(epoch, step, spentBefore + clock.Elapsed.TotalSeconds, trainSeconds, perSecond, true, false, best, last, Array.Empty<Metric>());
        best = AverageLastEpochs(run, epoch, best);
        LoadBest(run);
        var test = task.Test(ct);
        return new TrainResult(epoch, step, spentBefore + clock.Elapsed.TotalSeconds, trainSeconds, perSecond, false, outOfTime, best, last, test);
    }

    /// <summary>The batches, with the time spent waiting for each added to <paramref name="wait"/>: a loader that keeps up costs nothing here.</summary>
    private static IEnumerable<TBatch> Waited(IEnumerable<TBatch> batches, Stopwatch wait)
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

    private Dictionary<string, string> Metadata(IReadOnlyList<Metric> eval)
    {
        var meta = new Dictionary<string, string>(options.Metadata);
        foreach (var (k, v) in task.WeightsMetadata) meta[k] = v;
        foreach (var m in eval) meta[m.Key] = RunDirectory.Format(m.Value);
        return meta;
    }

    private static string EpochFile(int epoch) => $"epoch-{epoch}.safetensors";

    /// <summary>
    /// Averages the kept weights of the last <c>AverageLast</c> epochs up to <paramref name="epochsDone"/> (fewer when
    /// the run stopped early) into averaged.safetensors, evaluates the average, and makes it the best weights when it
    /// beats <paramref name="best"/>. Returns the best value of the goal metric.
    /// </summary>
    private double AverageLastEpochs(RunDirectory run, int epochsDone, double best)
    {
        var files = Enumerable.Range(epochsDone - options.AverageLast + 1, Math.Max(0, options.AverageLast))
            .Select(e => Path.Combine(run.Dir, EpochFile(e))).Where(File.Exists).ToList();
        if (files.Count < 2) return best;
        using (new TensorScope())
            task.Model.LoadWeights(CheckpointAverage.Average(files), "averaged checkpoints");
        var eval = task.Evaluate();
        task.Model.Module.Train();
        var meta = Metadata(eval);
        meta["averaged_epochs"] = string.Join(",", files.Select(Path.GetFileName));
        run.SaveWeights("averaged.safetensors", epochsDone, meta);
        double value = task.Goal.Of(eval);
        Log?.Invoke($"average of the last {files.Count} epochs: {string.Join(", ", eval)} (best single epoch: {eval.First(m => m.Key == task.Goal.Key) with { Value = best }})");
        if (!task.Goal.IsBetter(value, best)) return best;
        run.SaveWeights("best.safetensors", epochsDone, meta);
        return value;
    }

    /// <summary>The final test runs with the weights that evaluated best.</summary>
    private void LoadBest(RunDirectory run)
    {
        var path = Path.Combine(run.Dir, "best.safetensors");
        if (!File.Exists(path)) return;
        using var scope = new TensorScope();
        task.Model.LoadWeights(StateDictFile.Load(path), Path.GetFileName(path));
    }

    private void SaveState(RunDirectory run, Optimizer opt, long step, double best, double trainSeconds, double seconds) =>
        run.SaveState(opt, step, new Dictionary<string, string>
        {
            [BestKey] = RunDirectory.Format(best),
            ["train_seconds"] = RunDirectory.Format(trainSeconds),
            ["seconds"] = RunDirectory.Format(seconds),
        });
}
