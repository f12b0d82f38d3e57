using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Datasets;
using Vitrum.Tensors.Threading;
using Vitrum.Data.Loading;
using Vitrum.Training;
using Vitrum.Training.Tasks;
using Vitrum.Training.Distributed;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum train --model g2p_transformer --dataset cmudict</c>: trains grapheme-to-phoneme conversion on
/// CMUdict's training words, validates each epoch, and ends with the test WER/PER of the best weights.
/// </summary>
public static class G2PTrainCommand
{
    public const string Dataset = "cmudict";

    /// <param name="group">the processes of a data-parallel run (<c>mpirun</c>), or one; rank 0 alone reports</param>
    public static int Run(TrainArgs a, IProcessGroup group)
    {
        CliException.ThrowIfGiven(a.ImageOnlyGiven, "image classification", "sequence-to-sequence training");
        CliException.ThrowIfGiven(a.DetectOnlyGiven, "object detection", "sequence-to-sequence training");
        if (a.Dataset != Dataset)
            throw new CliException($"model {a.Model} is a sequence-to-sequence Transformer; it trains on --dataset {Dataset}, not '{a.Dataset}'");
        var model = G2PModel.Create(a.Model, (ulong)a.Seed);
        var recipe = ModelChoice.TrainingDefaults(a.Model);
        var o = TrainCommand.Options(a) with
        {
            WarmupSteps = a.WarmupSteps ?? recipe.WarmupSteps,
            BeamSize = a.Beam ?? recipe.BeamSize,
            LengthPenalty = a.LengthPenalty,
            Cooldown = a.Cooldown ?? recipe.Cooldown,
            AverageLast = a.AverageLast ?? recipe.AverageLast,
            Group = group,
        };
        bool lead = group.Rank == 0;
        if (o.BatchSize < group.Size)
            throw new CliException($"--batch-size {o.BatchSize} is the global batch of the {group.Size} processes: give at least {group.Size}");
        RunDirectory.ThrowIfUnavailable(o.OutDir, o.Resume, o.Overwrite);
        // Every rank has looked at the folder before rank 0 takes it.
        group.Barrier();

        var data = CmuDict.Load(msg => { if (lead) Console.Error.WriteLine(msg); });
        int trainWords = a.TrainWords;
        if (trainWords > 0 && trainWords < data.Train.Count)
            data = data with { Train = data.Train.Where((_, i) => (long)i * trainWords / data.Train.Count != (long)(i + 1) * trainWords / data.Train.Count).ToArray() };
        var progress = new TrainingProgress("token acc");
        // Every rank hears the launcher's SIGTERM; each says so in one line.
        using var ctrlC = new CtrlC(lead ? progress.Line : Console.Error.WriteLine, group.Size > 1 ? $"rank {group.Rank} of {group.Size}" : null);
        // Rank 0 alone reports; the others train silently (their failures still end in one line each).
        var trainer = new Trainer<Seq2SeqBatch>(new Seq2SeqTask(model, data, o), o)
        {
            OnStep = lead ? progress.Step : null,
            OnEpoch = lead ? progress.Epoch : null,
            Log = lead ? progress.Line : null,
        };
        if (lead)
            Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "training {0} ({1:N0} parameters) on cmudict ({2:N0} train / {3:N0} valid / {4:N0} test words): up to {5} epochs{6}, batch {7}, peak lr {8}, warmup {9} steps, {10} -> {11}",
                a.Model, model.ParameterCount(), data.Train.Count, data.Valid.Count, data.Test.Count, o.Epochs,
                o.MaxMinutes is double b ? $" or {b} minutes" : "", o.BatchSize, o.Lr, Seq2SeqTask.Warmup(o, TrainStepsPerEpoch(data, o.BatchSize)),
                DataParallel.Describe(group, WorkerPool.ThreadCount), o.OutDir));
        var r = lead ? progress.Run(() => trainer.Run(ctrlC.Token)) : trainer.Run(ctrlC.Token);
        if (!lead) return r.Interrupted ? 130 : 0;
        if (!a.Json)
            Console.WriteLine(r.Interrupted
                ? string.Format(CultureInfo.InvariantCulture, "interrupted {0}; {1}; no test ran; --resume continues from the checkpoint in {2}",
                    r.StoppedAt(), r.BestEpoch != 0 ? string.Format(CultureInfo.InvariantCulture, "best valid WER {0:P2}, {1}", r.Best, r.BestSource) : "no validation yet", o.OutDir)
                : string.Format(CultureInfo.InvariantCulture, "test WER {0:P2}, PER {1:P2} ({2}) after {3} epochs in {4:F0} s; weights in {5}",
                    r["test_wer"], r["test_per"], o.BeamSize > 1 ? $"beam {o.BeamSize}" : "greedy", r.Epochs, r.Seconds, o.OutDir));
        else
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                test_wer = r.Interrupted ? (double?)null : r["test_wer"],
                test_per = r.Interrupted ? (double?)null : r["test_per"],
                seconds = Math.Round(r.Seconds, 1),
                train_seconds = Math.Round(r.TrainSeconds, 1),
                best_valid_wer = double.IsFinite(r.Best) ? r.Best : (double?)null,
                epochs = r.Epochs,
                steps = r.Steps,
                tokens_per_second = Math.Round(r.PerSecond),
                beam = o.BeamSize,
                time_limit_reached = r.TimeLimitReached,
                interrupted = r.Interrupted,
                out_dir = o.OutDir,
                world_size = group.Size,
                global_batch = o.BatchSize,
            }, FiniteJson.Options));
        return r.Interrupted ? 130 : 0;
    }

    private static int TrainStepsPerEpoch(G2PData data, int batchSize) =>
        (data.Train.Sum(e => e.Pronunciations.Length) + batchSize - 1) / batchSize;
}
