using System.Diagnostics;
using System.Globalization;
using Vitrum.Nn.IO;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;
using Vitrum.Training.Distributed;

namespace Vitrum.Training;

/// <summary>
/// The one training loop of every task: per step the schedule's rate, the task's loss, backward, gradient-norm
/// clipping and the optimizer step; after every epoch the task's evaluation (its validation split), a metrics.jsonl
/// line and chart.png, <c>last.safetensors</c>, <c>best.safetensors</c> (by the task's goal metric; the first evaluation
/// always writes it) and a resumable checkpoint. The run holds its folder (<see cref="RunDirectory.Open"/>): a folder
/// with an earlier run is refused unless resumed or overwritten. A step whose loss or gradient norm is not finite stops
/// the run with a <see cref="TrainingDivergedException"/> before the optimizer step, so no file gets diverged weights.
/// Cancelling (Ctrl+C, SIGTERM), <see cref="TrainOptions.MaxSteps"/> and <see cref="TrainOptions.MaxMinutes"/> stop it
/// after a step; a stop mid-epoch saves a checkpoint that <see cref="TrainOptions.Resume"/> continues bit for bit. At
/// the end the task's test scores the final weights (when the task asks), the last <see cref="TrainOptions.AverageLast"/>
/// epochs' weights are averaged (kept when they evaluate better, as the Transformer paper averages its last
/// checkpoints), and the best weights are loaded and tested. An interrupted run tests nothing. Data-parallel (a
/// <see cref="TrainOptions.Group"/> of several ranks, an <see cref="IDataParallelTask"/>): every rank runs this loop on its
/// shard, <see cref="GradientSync"/> averages the gradients and agrees on the loss and on stopping, the evaluations are
/// summed over the ranks, and rank 0 alone writes the run's files.
/// </summary>
/// <param name="options">the run's options; the task was built with the same</param>
public sealed class Trainer<TBatch>(ITrainingTask<TBatch> task, TrainOptions options) where TBatch : IDisposable
{
    public Action<StepProgress>? OnStep { get; init; }
    public Action<EpochRecord>? OnEpoch { get; init; }
    public Action<string>? Log { get; init; }

    private const string BestFile = "best.safetensors", BestEpochKey = "best_epoch";

    private string BestKey => "best_" + task.Goal.Key;

    public TrainResult Run(CancellationToken ct = default)
    {
        var model = task.Model.Module;
        var group = options.Group;
        if (group.Size > 1 && task is not IDataParallelTask)
            throw new NotSupportedException($"{task.GetType().Name} cannot train data-parallel yet: run it as one process");
        using var run = RunDirectory.Open(options.OutDir, model, task.Model.ConfigJson, options.Resume, options.Overwrite, Log, writer: group.Rank == 0);
        // The other ranks look at the folder (resume, best weights) once rank 0 has taken it (--overwrite cleared it).
        group.Barrier();
        var sync = new GradientSync(model.Parameters(), group);
        int perEpoch = task.BatchesPerEpoch;
        long planned = (long)perEpoch * options.Epochs;
        var opt = task.CreateOptimizer();
        var schedule = task.CreateSchedule();
        var (step, extra) = run.Begin(opt, options.Resume, Log);
        // After Open a checkpoint, or best weights, can only be the resumed run's own.
        long? savedStep = File.Exists(run.CheckpointPath) ? step : null;
        bool haveBest = File.Exists(Path.Combine(run.Dir, BestFile));
        double best = RunDirectory.ParseOr(extra, BestKey, task.Goal.Worst);
        int bestEpoch = (int)RunDirectory.ParseOr(extra, BestEpochKey, 0);
        bool bestIsCurrent = false;
        double trainSeconds = RunDirectory.ParseOr(extra, "train_seconds", 0), spentBefore = RunDirectory.ParseOr(extra, "seconds", 0);
        double trainSecondsAtStart = trainSeconds, unitsDone = 0;
        var clock = Stopwatch.StartNew();
        long startStep = step;
        bool interrupted = false, outOfTime = false, stopVote = false, timeVote = false;
        IReadOnlyList<Metric>? last = null;
        int epoch = (int)(step / perEpoch);
        model.Train();
        for (; epoch < options.Epochs && !interrupted && !outOfTime; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0, weight = 0, epochUnits = 0;
            long correct = 0;
            int clipped = 0;
            int bi = (int)(step - (long)epoch * perEpoch);
            var loaderWait = new Stopwatch();
            foreach (var batch in Waited(task.Epoch(epoch, bi), loaderWait))
            {
                using (batch)
                using (new TensorScope())
                {
                    schedule.Apply(opt, step);
                    var b = task.Loss(batch, step);
                    double loss = b.Loss.Item();
                    // Ranks stop together, on the mean loss they agree on in the backward pass.
                    if (!double.IsFinite(loss) && group.Size == 1) throw Diverged(run, epoch, step, bi, loss, double.NaN, savedStep);
                    opt.ZeroGrad();
                    var votes = sync.Backward(b.Loss, new StepVotes(loss, ct.IsCancellationRequested, OutOfTime(spentBefore, clock)));
                    (loss, stopVote, timeVote) = (votes.Loss, votes.Stop, votes.OutOfTime);
                    if (!double.IsFinite(loss)) throw Diverged(run, epoch, step, bi, loss, double.NaN, savedStep);
                    // The norm clipping measures anyway; without clipping, one more pass over the gradients.
                    double norm = options.ClipGrad > 0 ? GradClip.ClipGradNorm(model.Parameters(), options.ClipGrad) : GradClip.TotalNorm(model.Parameters());
                    if (!double.IsFinite(norm)) throw Diverged(run, epoch, step, bi, loss, norm, savedStep);
                    if (options.ClipGrad > 0 && GradClip.Clips(norm, options.ClipGrad)) clipped++;
                    opt.Step();
                    lossSum += loss * b.Weight;
                    weight += b.Weight;
                    correct += b.Correct;
                    // Every rank's batch holds as many units (equal shards): the run's throughput.
                    epochUnits += b.Units * group.Size;
                }
                step++;
                bi++;
                double elapsed = clock.Elapsed.TotalSeconds;
                var eta = TimeSpan.FromSeconds((planned - step) * elapsed / Math.Max(1, step - startStep));
                double rate = (unitsDone + epochUnits) / Math.Max(trainSeconds - trainSecondsAtStart + epochClock.Elapsed.TotalSeconds, 1e-9);
                OnStep?.Invoke(new StepProgress(epoch + 1, options.Epochs, bi, perEpoch, lossSum / weight, correct / weight, rate, clock.Elapsed, eta, task.Unit));
                // Several ranks stop after the step whose votes asked it, so all stop after the same one.
                if ((group.Size == 1 ? ct.IsCancellationRequested : stopVote) || (options.MaxSteps is long max && step >= max)) { interrupted = true; break; }
                if (group.Size == 1 ? OutOfTime(spentBefore, clock) : timeVote) { outOfTime = true; break; }
            }
            double epochTrainSeconds = epochClock.Elapsed.TotalSeconds;
            Log?.Invoke($"batch loader wait in epoch {epoch + 1}: {loaderWait.Elapsed.TotalSeconds:F2} s of {epochTrainSeconds:F1} s of training " +
                        $"({100 * loaderWait.Elapsed.TotalSeconds / Math.Max(epochTrainSeconds, 1e-9):F1}%)");
            if (group.Size > 1)
            {
                var sums = new[] { lossSum, weight, correct };
                group.Sum(sums);
                (lossSum, weight, correct) = (sums[0], sums[1], (long)Math.Round(sums[2]));
                Log?.Invoke($"gradient all-reduce in epoch {epoch + 1}: {sync.BucketCount} buckets, {sync.Bytes / 1e6:F1} MB per step, " +
                            $"{sync.WaitTime.TotalMilliseconds / Math.Max(1, sync.Steps):F1} ms per step waited after the backward pass");
            }
            trainSeconds += epochTrainSeconds;
            unitsDone += epochUnits;
            if (interrupted && bi < perEpoch)
            {
                SaveState(run, opt, step, best, bestEpoch, trainSeconds, spentBefore + clock.Elapsed.TotalSeconds);
                Log?.Invoke($"stopped at step {step}; resume with --resume");
                break;
            }
            last = task.Evaluate();
            model.Train();
            var record = new EpochRecord(epoch + 1, step, weight == 0 ? 0 : lossSum / weight, weight == 0 ? 0 : correct / weight, last,
                schedule.LrAt(Math.Max(0, step - 1)), epochClock.Elapsed.TotalSeconds, epochUnits / Math.Max(epochTrainSeconds, 1e-9),
                options.ClipGrad > 0 ? clipped : null);
            run.AppendMetricsLine(record.ToJson(task.TrainAccuracyKey, task.ThroughputKey));
            run.SaveChart(task.ChartRates);
            OnEpoch?.Invoke(record);
            var meta = Metadata(last);
            run.SaveWeights("last.safetensors", epoch + 1, meta);
            if (epoch >= options.Epochs - options.AverageLast) run.SaveWeights(EpochFile(epoch + 1), epoch + 1, meta);
            double value = task.Goal.Of(last);
            // The first evaluation always writes best weights, whatever it measured, so a run has them from then on.
            bestIsCurrent = !haveBest || task.Goal.IsBetter(value, best);
            if (bestIsCurrent)
            {
                if (!double.IsNaN(value)) best = value;
                (bestEpoch, haveBest) = (epoch + 1, true);
                run.SaveWeights(BestFile, epoch + 1, meta);
            }
            SaveState(run, opt, step, best, bestEpoch, trainSeconds, spentBefore + clock.Elapsed.TotalSeconds);
            savedStep = step;
        }
        double perSecond = unitsDone / Math.Max(trainSeconds - trainSecondsAtStart, 1e-9);
        TrainResult Result(bool stopped, IReadOnlyList<Metric> test, IReadOnlyList<Metric> finalTest) =>
            new(epoch, step, perEpoch, spentBefore + clock.Elapsed.TotalSeconds, trainSeconds, perSecond, stopped, outOfTime && !stopped, best, bestEpoch, last, test, finalTest);
        if (interrupted) return Result(true, Array.Empty<Metric>(), Array.Empty<Metric>());
        try
        {
            var finalTest = task.TestsFinalWeights ? task.Test(ct) : Array.Empty<Metric>();
            if (AverageLastEpochs(run, epoch, best) is { } average)
            {
                // The model now holds the average: the best weights are on disk unless the average is them.
                bestIsCurrent = average.Won;
                if (average.Won) (best, bestEpoch) = (average.Value, -1);
            }
            if (task.TestsFinalWeights && bestIsCurrent) return Result(false, finalTest, finalTest);
            LoadBest(run);
            return Result(false, task.Test(ct), finalTest);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Log?.Invoke("stopped during the final test: no test figures");
            return Result(true, Array.Empty<Metric>(), Array.Empty<Metric>());
        }
    }

    private bool OutOfTime(double spentBefore, Stopwatch clock) =>
        options.MaxMinutes is double budget && spentBefore + clock.Elapsed.TotalSeconds >= budget * 60;

    /// <summary>The stop of a diverged step (the loss, else the gradient norm is not finite), before the optimizer changed any weight.</summary>
    private TrainingDivergedException Diverged(RunDirectory run, int epoch, long step, int batch, double loss, double norm, long? savedStep)
    {
        var inv = CultureInfo.InvariantCulture;
        string what = !double.IsFinite(loss) ? $"the loss is {loss.ToString(inv)}" : $"the gradient norm is {norm.ToString(inv)} (loss {loss.ToString("G6", inv)})";
        string kept = savedStep is long s ? $"{run.CheckpointPath} (step {s}) is the last good checkpoint" : "no checkpoint had been saved yet";
        return new TrainingDivergedException(
            $"training diverged in epoch {epoch + 1} at step {step + 1} (batch {batch + 1} of {task.BatchesPerEpoch}): {what}; try a lower --lr (now {options.Lr.ToString(inv)}). " +
            $"Stopped before updating the weights: {kept}", epoch + 1, step + 1, loss, norm);
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
    /// beats <paramref name="best"/>. Returns the average's goal value and whether it won, or null when there was nothing
    /// to average (the model then still holds its final weights).
    /// </summary>
    private (double Value, bool Won)? AverageLastEpochs(RunDirectory run, int epochsDone, double best)
    {
        options.Group.Barrier();
        var files = Enumerable.Range(epochsDone - options.AverageLast + 1, Math.Max(0, options.AverageLast))
            .Select(e => Path.Combine(run.Dir, EpochFile(e))).Where(File.Exists).ToList();
        if (files.Count < 2) return null;
        using (new TensorScope())
            task.Model.LoadWeights(CheckpointAverage.Average(files), "averaged checkpoints");
        var eval = task.Evaluate();
        task.Model.Module.Train();
        var meta = Metadata(eval);
        meta["averaged_epochs"] = string.Join(",", files.Select(Path.GetFileName));
        run.SaveWeights("averaged.safetensors", epochsDone, meta);
        double value = task.Goal.Of(eval);
        Log?.Invoke($"average of the last {files.Count} epochs: {string.Join(", ", eval)} (best single epoch: {eval.First(m => m.Key == task.Goal.Key) with { Value = best }})");
        if (!task.Goal.IsBetter(value, best)) return (value, false);
        run.SaveWeights(BestFile, epochsDone, meta);
        return (value, true);
    }

    /// <summary>The final test runs with the weights that evaluated best.</summary>
    private void LoadBest(RunDirectory run)
    {
        // Rank 0 wrote the file: the others read it once it is there.
        options.Group.Barrier();
        var path = Path.Combine(run.Dir, BestFile);
        if (!File.Exists(path)) return;
        using var scope = new TensorScope();
        task.Model.LoadWeights(StateDictFile.Load(path), Path.GetFileName(path));
    }

    private void SaveState(RunDirectory run, Optimizer opt, long step, double best, int bestEpoch, double trainSeconds, double seconds) =>
        run.SaveState(opt, step, new Dictionary<string, string>
        {
            [BestKey] = RunDirectory.Format(best),
            [BestEpochKey] = RunDirectory.Format(bestEpoch),
            ["train_seconds"] = RunDirectory.Format(trainSeconds),
            ["seconds"] = RunDirectory.Format(seconds),
        });
}
