using System.Globalization;
using System.Text.Json;
using Vitrum.Tensors.Threading;
using Vitrum.Data.Loading;
using Vitrum.Models;
using Vitrum.Training;
using Vitrum.Training.Tasks;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum train --model PRESET|CONFIG.json --dataset NAME</c>: trains, evaluates each epoch, keeps best/last weights.</summary>
public static class TrainCommand
{
    public static int Run(TrainArgs a)
    {
        var config = ModelChoice.Config(a.Model);
        return ModelChoice.TaskOf(config) switch
        {
            TaskKind.Classify => TrainClassifier(a, config),
            TaskKind.Seq2Seq => G2PTrainCommand.Run(a),
            var t => throw new CliException($"model {a.Model} ({t}) cannot be trained from the command line yet"),
        };
    }

    private static int TrainClassifier(TrainArgs a, IModelConfig config)
    {
        CliException.ThrowIfGiven(a.Seq2SeqOnlyGiven, "sequence-to-sequence training", "image classification");
        DatasetChoice.RequireImages(a.Dataset, a.Model);
        config = FineTune.Config(config, a.Dataset, a.NumClasses, a.ImgSize);
        var model = ModelChoice.Create(config, (ulong)a.Seed);
        var pretrained = a.Pretrained == null ? null : FineTune.LoadPretrained(model, a.Pretrained, Console.Error.WriteLine);
        var o = Options(a);
        if ((a.Mixup > 0 || a.Cutmix > 0) && o.BatchSize % 2 != 0)
            throw new CliException($"--mixup/--cutmix mix each batch with its reverse and need an even --batch-size, got {o.BatchSize}");
        int shift = a.RandomShift ?? ModelChoice.TrainingDefaults(a.Model, a.Dataset).RandomShift;

        var (train, test) = DatasetChoice.Load(a.Dataset, model.ImageSize, msg => Console.Error.WriteLine(msg));
        var (trainTf, testTf) = DatasetChoice.Transforms(a.Dataset, model.InChannels, model.ImageSize, train.Height, shift, pretrained);
        if (train.Channels != model.InChannels)
            throw new CliException($"model {a.Model} expects {model.InChannels} input channels but dataset {a.Dataset} has {train.Channels}");
        if (a.Mixup > 0 || a.Cutmix > 0)
            o = o with { Mixup = new Data.Transforms.Mixup(train.Classes.Length, a.Mixup, a.Cutmix, a.MixupProb, a.MixupSwitchProb, LabelSmoothing: o.LabelSmoothing) };
        o = o with { Metadata = (pretrained ?? DatasetChoice.Preprocessing(a.Dataset, model.InChannels)).ToMetadata() };
        var progress = new TrainingProgress("acc");
        using var ctrlC = new CtrlC(progress.Line);
        var trainer = new Trainer<Batch>(new ImageClassificationTask(model.Instance, train, test, trainTf, testTf, o), o)
        {
            OnStep = progress.Step,
            OnEpoch = progress.Epoch,
            Log = progress.Line,
        };
        Console.Error.WriteLine($"training {a.Model} ({model.Module.ParameterCount():N0} parameters) on {a.Dataset}: {o.Epochs} epochs, batch {o.BatchSize}, lr {o.Lr}, {WorkerPool.ThreadCount} threads -> {o.OutDir}");
        var r = progress.Run(() => trainer.Run(ctrlC.Token));
        if (a.Json)
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
        else
            Console.WriteLine(r.Interrupted
                ? $"interrupted after {r.Epochs} epochs; --resume continues from the checkpoint in {o.OutDir}"
                : string.Format(CultureInfo.InvariantCulture, "test accuracy {0:P2} (best {1:P2}) after {2} epochs in {3:F0} s; weights in {4}",
                    r["test_accuracy"], r.Best, r.Epochs, r.Seconds, o.OutDir));
        return r.Interrupted ? 130 : 0;
    }

    /// <summary>The options every training run takes, defaulting to the model's recipe (<see cref="ModelChoice.TrainingDefaults"/>).</summary>
    public static TrainOptions Options(TrainArgs a)
    {
        var defaults = ModelChoice.TrainingDefaults(a.Model, a.Dataset);
        return new TrainOptions
        {
            Epochs = a.Epochs ?? defaults.Epochs,
            BatchSize = a.BatchSize ?? defaults.BatchSize,
            Lr = a.Lr ?? defaults.Lr,
            WeightDecay = a.WeightDecay ?? defaults.WeightDecay,
            WarmupEpochs = a.WarmupEpochs ?? defaults.WarmupEpochs,
            LabelSmoothing = a.LabelSmoothing ?? defaults.LabelSmoothing,
            ClipGrad = a.ClipGrad,
            Seed = (ulong)a.Seed,
            OutDir = a.Out ?? Path.Combine("runs", $"{Path.GetFileNameWithoutExtension(a.Model)}-{a.Dataset}"),
            Resume = a.Resume,
            MaxSteps = a.MaxSteps,
            LayerDecay = a.LayerDecay,
        };
    }
}
