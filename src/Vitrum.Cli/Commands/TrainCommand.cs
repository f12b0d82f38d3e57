using System.Globalization;
using System.Text.Json;
using Vitrum.Tensors.Threading;
using Vitrum.Data.Loading;
using Vitrum.Models;
using Vitrum.Training;
using Vitrum.Training.Tasks;
using Vitrum.Training.Distributed;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum train --model PRESET|CONFIG.json --dataset NAME</c>: trains, evaluates each epoch, keeps best/last weights.</summary>
public static class TrainCommand
{
    public static int Run(TrainArgs a)
    {
        var config = ModelChoice.Config(a.Model);
        var kind = ModelChoice.TaskOf(config);
        using var group = DataParallel.Start();
        return DataParallel.Run(group, () => kind switch
        {
            TaskKind.Classify => TrainClassifier(a, config, group),
            TaskKind.Seq2Seq => G2PTrainCommand.Run(a, group),
            TaskKind.Detect => DetectTrainCommand.Run(a, group),
            var t => throw new CliException($"model {a.Model} ({t}) cannot be trained from the command line yet"),
        });
    }

    private static int TrainClassifier(TrainArgs a, IModelConfig config, IProcessGroup group)
    {
        CliException.ThrowIfGiven(a.Seq2SeqOnlyGiven, "sequence-to-sequence training", "image classification");
        CliException.ThrowIfGiven(a.DetectOnlyGiven, "object detection", "image classification");
        DatasetChoice.RequireImages(a.Dataset, a.Model);
        var o = Options(a) with { Group = group };
        bool lead = group.Rank == 0;
        if (o.BatchSize % group.Size != 0)
            throw new CliException($"--batch-size {o.BatchSize} is the global batch of the {group.Size} processes and must divide by {group.Size}");
        RunDirectory.ThrowIfUnavailable(o.OutDir, o.Resume, o.Overwrite);
        // Every rank has looked at the folder before rank 0 takes it.
        group.Barrier();
        config = FineTune.Config(config, a.Dataset, a.NumClasses, a.ImgSize);
        var model = ModelChoice.Create(config, (ulong)a.Seed);
        var pretrained = a.Pretrained == null ? null : FineTune.LoadPretrained(model, a.Pretrained, Console.Error.WriteLine);
        if ((a.Mixup > 0 || a.Cutmix > 0) && o.BatchSize % 2 != 0)
            throw new CliException($"--mixup/--cutmix mix each batch with its reverse and need an even --batch-size, got {o.BatchSize}");
        int shift = a.RandomShift ?? ModelChoice.TrainingDefaults(a.Model, a.Dataset).RandomShift;

        var data = DatasetChoice.Load(a.Dataset, model.ImageSize, msg => { if (lead) Console.Error.WriteLine(msg); });
        var train = data.Train;
        var (trainTf, testTf) = DatasetChoice.Transforms(a.Dataset, model.InChannels, model.ImageSize, train.Height, shift, pretrained);
        if (train.Channels != model.InChannels)
            throw new CliException($"model {a.Model} expects {model.InChannels} input channels but dataset {a.Dataset} has {train.Channels}", ExitCodes.Failure);
        if (a.Mixup > 0 || a.Cutmix > 0)
            o = o with { Mixup = new Data.Transforms.Mixup(train.Classes.Length, a.Mixup, a.Cutmix, a.MixupProb, a.MixupSwitchProb, LabelSmoothing: o.LabelSmoothing) };
        o = o with { Metadata = (pretrained ?? DatasetChoice.Preprocessing(a.Dataset, model.InChannels)).ToMetadata() };
        var progress = new TrainingProgress("acc");
        // Every rank hears the launcher's SIGTERM; each says so in one line.
        using var ctrlC = new CtrlC(lead ? progress.Line : Console.Error.WriteLine, group.Size > 1 ? $"rank {group.Rank} of {group.Size}" : null);
        // Rank 0 alone reports; the others train silently (their failures still end in one line each).
        var trainer = new Trainer<Batch>(new ImageClassificationTask(model.Instance, data, trainTf, testTf, o), o)
        {
            OnStep = lead ? progress.Step : null,
            OnEpoch = lead ? progress.Epoch : null,
            Log = lead ? progress.Line : null,
        };
        if (lead)
            Console.Error.WriteLine($"training {a.Model} ({model.Module.ParameterCount():N0} parameters) on {a.Dataset} ({data.Describe()}): {o.Epochs} epochs, batch {o.BatchSize}, lr {o.Lr}, " +
                                    $"{DataParallel.Describe(group, WorkerPool.ThreadCount)} -> {o.OutDir}");
        var r = lead ? progress.Run(() => trainer.Run(ctrlC.Token)) : trainer.Run(ctrlC.Token);
        var chart = Path.Combine(o.OutDir, "chart.png");
        if (!lead) return r.Interrupted ? 130 : 0;
        if (a.Json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                test_accuracy = Measured(r.Final("test_accuracy")),
                best_test_accuracy = Measured(r["test_accuracy"]),
                best_val_accuracy = Measured(r.Best),
                best_epoch = r.BestEpoch,
                epochs = r.Epochs,
                steps = r.Steps,
                seconds = Math.Round(r.Seconds, 1),
                interrupted = r.Interrupted,
                time_limit_reached = r.TimeLimitReached,
                out_dir = o.OutDir,
                chart = File.Exists(chart) ? chart : null,
                world_size = group.Size,
                global_batch = o.BatchSize,
            }, FiniteJson.Options));
        else Console.WriteLine(Summary(r, o.OutDir));
        return r.Interrupted ? 130 : 0;
    }

    /// <summary>A figure that was measured, else null (a JSON null rather than a made-up 0).</summary>
    private static double? Measured(double v) => double.IsFinite(v) ? v : null;

    private static string Summary(TrainResult r, string outDir)
    {
        var inv = CultureInfo.InvariantCulture;
        string best = r.BestEpoch != 0 ? string.Format(inv, "best val accuracy {0:P2}, {1}", r.Best, r.BestSource) : "no validation yet";
        if (r.Interrupted) return $"interrupted {r.StoppedAt()}; {best}; no test ran; --resume continues from the checkpoint in {outDir}";
        if (double.IsNaN(r.Final("test_accuracy")))
            return string.Format(inv, "{0} after {1} epochs in {2:F0} s (the data set has no test split); weights in {3}", best, r.Epochs, r.Seconds, outDir);
        return string.Format(inv, "test accuracy {0:P2} with the final weights, {1:P2} with the best ({2}) after {3} epochs in {4:F0} s; weights in {5}",
            r.Final("test_accuracy"), r["test_accuracy"], best, r.Epochs, r.Seconds, outDir);
    }

    /// <summary>The options every training run takes, defaulting to the model's recipe (<see cref="ModelChoice.TrainingDefaults"/>).</summary>
    public static TrainOptions Options(TrainArgs a)
    {
        if (a.Resume && a.Overwrite) throw new CliException("--resume continues the run in --out and --overwrite replaces it: give one of them");
        var defaults = ModelChoice.TrainingDefaults(a.Model, a.Dataset);
        return new TrainOptions
        {
            Epochs = a.Epochs ?? defaults.Epochs,
            BatchSize = a.BatchSize ?? defaults.BatchSize,
            Lr = a.Lr ?? defaults.Lr,
            WeightDecay = a.WeightDecay ?? defaults.WeightDecay,
            WarmupEpochs = a.WarmupEpochs ?? defaults.WarmupEpochs,
            LabelSmoothing = a.LabelSmoothing ?? defaults.LabelSmoothing,
            ClipGrad = a.ClipGrad ?? defaults.ClipGrad,
            Seed = (ulong)a.Seed,
            OutDir = a.Out ?? Path.Combine("runs", $"{Path.GetFileNameWithoutExtension(a.Model)}-{a.Dataset}"),
            Resume = a.Resume,
            Overwrite = a.Overwrite,
            MaxSteps = a.MaxSteps,
            MaxMinutes = a.MaxMinutes,
            LayerDecay = a.LayerDecay,
        };
    }
}
