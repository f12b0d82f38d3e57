using System.Globalization;
using System.Text.Json;
using Vitrum.Models;
using Vitrum.Tensors.Threading;
using Vitrum.Data.Loading;
using Vitrum.Training;
using Vitrum.Training.Tasks;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum train --model PRESET|CONFIG.json --dataset NAME</c>: trains, evaluates each epoch, keeps best/last weights.</summary>
public static class TrainCommand
{
    public static int Run(CliArgs args)
    {
        var modelArg = args.Required("model");
        var dataset = args.Required("dataset");
        if (dataset == G2PTrainCommand.Dataset) return G2PTrainCommand.Run(args, modelArg);
        var model = ModelChoice.Create(modelArg, args.Int("seed", 0, 0) is var s ? (ulong)s : 0);
        var o = Options(args, modelArg, dataset);
        double mixupAlpha = args.Double("mixup", 0), cutmixAlpha = args.Double("cutmix", 0);
        double mixProb = args.Double("mixup-prob", 1.0), switchProb = args.Double("mixup-switch-prob", 0.5);
        if (mixupAlpha < 0 || cutmixAlpha < 0 || mixProb is < 0 or > 1 || switchProb is < 0 or > 1)
            throw new CliException("--mixup and --cutmix must be >= 0, --mixup-prob and --mixup-switch-prob in [0, 1]");
        if ((mixupAlpha > 0 || cutmixAlpha > 0) && o.BatchSize % 2 != 0)
            throw new CliException($"--mixup/--cutmix mix each batch with its reverse and need an even --batch-size, got {o.BatchSize}");
        int shift = args.Int("random-shift", ModelChoice.TrainingDefaults(modelArg, dataset).RandomShift, 0, 64);
        args.ApplyThreads();
        bool json = args.Flag("json");
        args.EnsureAllUsed();

        var (train, test) = DatasetChoice.Load(dataset, model.ImageSize, msg => Console.Error.WriteLine(msg));
        var (trainTf, testTf) = DatasetChoice.Transforms(dataset, model.InChannels, model.ImageSize, train.Height, shift);
        if (train.Channels != model.InChannels)
            throw new CliException($"model {modelArg} expects {model.InChannels} input channels but dataset {dataset} has {train.Channels}");
        if (mixupAlpha > 0 || cutmixAlpha > 0)
            o = o with { Mixup = new Data.Transforms.Mixup(train.Classes.Length, mixupAlpha, cutmixAlpha, mixProb, switchProb, LabelSmoothing: o.LabelSmoothing) };
        o = o with { Metadata = DatasetChoice.Preprocessing(dataset, model.InChannels).ToMetadata() };
        var progress = new ProgressLine();
        using var ctrlC = new CtrlC();
        var task = new ImageClassificationTask(model.Instance, train, test, trainTf, testTf, o);
        var trainer = new Trainer<Batch>(task, o)
        {
            OnStep = progress.Step,
            OnEpoch = progress.Epoch,
            Log = msg => Console.Error.WriteLine(msg),
        };
        Console.Error.WriteLine($"training {modelArg} ({model.Module.ParameterCount():N0} parameters) on {dataset}: {o.Epochs} epochs, batch {o.BatchSize}, lr {o.Lr}, {WorkerPool.ThreadCount} threads -> {o.OutDir}");
        var r = trainer.Run(ctrlC.Token);
        if (!json)
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "test accuracy {0:P2} (best {1:P2}) after {2} epochs in {3:F0} s; weights in {4}",
                r["test_accuracy"], r.Best, r.Epochs, r.Seconds, o.OutDir));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            test_accuracy = r.LastEval == null ? (double?)null : r["test_accuracy"],
            best_accuracy = double.IsFinite(r.Best) ? r.Best : (double?)null,
            epochs = r.Epochs,
            seconds = Math.Round(r.Seconds, 1),
            interrupted = r.Interrupted,
            out_dir = o.OutDir,
            chart = Path.Combine(o.OutDir, "chart.png"),
        }));
        return r.Interrupted ? 130 : 0;
    }

    /// <summary>The options every training run takes, defaulting to the model's recipe (<see cref="ModelChoice.TrainingDefaults"/>).</summary>
    public static TrainOptions Options(CliArgs args, string modelArg, string dataset)
    {
        var defaults = ModelChoice.TrainingDefaults(modelArg, dataset);
        return new TrainOptions
        {
            Epochs = args.Int("epochs", defaults.Epochs, 1, 100_000),
            BatchSize = args.Int("batch-size", defaults.BatchSize, 1, 65_536),
            Lr = args.Double("lr", defaults.Lr),
            WeightDecay = args.Double("weight-decay", defaults.WeightDecay),
            WarmupEpochs = args.Double("warmup-epochs", defaults.WarmupEpochs),
            LabelSmoothing = args.Double("label-smoothing", defaults.LabelSmoothing),
            Seed = (ulong)args.Int("seed", 0, 0),
            OutDir = args.String("out") ?? Path.Combine("runs", $"{Path.GetFileNameWithoutExtension(modelArg)}-{dataset}"),
            Resume = args.Flag("resume"),
            MaxSteps = args.String("max-steps") is string ms ? long.Parse(ms, CultureInfo.InvariantCulture) : null,
        };
    }
}
