using System.CommandLine;
using Vitrum.Cli.Commands;
using static Vitrum.Cli.Parsing.OptionFactory;

namespace Vitrum.Cli.Parsing;

/// <summary><c>vitrum train</c>: its options (those of one kind of task grouped, so the other kind can refuse them) and their reading into <see cref="TrainArgs"/>.</summary>
public static class TrainCli
{
    private static readonly Option<int?> Epochs = OptionalNumber("--epochs", "N", "training epochs", new NumberRange<int>(1, 100_000), CliOptions.Recipe(r => r.Epochs));
    private static readonly Option<int?> BatchSize = OptionalNumber("--batch-size", "B", "examples per optimizer step", CliOptions.BatchRange, CliOptions.Recipe(r => r.BatchSize));
    private static readonly Option<double?> Lr = OptionalNumber("--lr", "LR", "peak learning rate", NumberRange<double>.Above(0), CliOptions.Recipe(r => r.Lr));
    private static readonly Option<double?> WeightDecay = OptionalNumber("--weight-decay", "WD", "AdamW weight decay", NumberRange<double>.AtLeast(0), CliOptions.Recipe(r => r.WeightDecay));
    private static readonly Option<double?> WarmupEpochs = OptionalNumber("--warmup-epochs", "E", "epochs of linear learning-rate warmup", NumberRange<double>.AtLeast(0), CliOptions.Recipe(r => r.WarmupEpochs));
    private static readonly Option<double?> LabelSmoothing = OptionalNumber("--label-smoothing", "S", "label smoothing of the cross-entropy", new NumberRange<double>(0, 0.999), CliOptions.Recipe(r => r.LabelSmoothing));
    private static readonly Option<double?> ClipGrad = OptionalNumber("--clip-grad", "N", "clip the gradient norm to this (0 = off; each epoch reports its clipped steps)", NumberRange<double>.AtLeast(0), CliOptions.Recipe(r => r.ClipGrad));
    private static readonly Option<string?> Out = Text("--out", "DIR", "where weights, metrics.jsonl and chart.png go", "runs/MODEL-DATASET");
    private static readonly Option<bool> Resume = Flag("--resume", "continue from DIR/last.ckpt.safetensors");
    private static readonly Option<bool> Overwrite = Flag("--overwrite", "replace the earlier run in DIR (its weights, checkpoint, metrics.jsonl, chart.png); without it or --resume such a folder is refused");
    private static readonly Option<long?> MaxSteps = OptionalNumber("--max-steps", "N", "stop after this many optimizer steps, as an interruption (for smoke tests)", NumberRange<long>.AtLeast(1), "the whole schedule");

    private static readonly Option<double> Mixup = Number("--mixup", "A", "mixup alpha (0 = off)", NumberRange<double>.AtLeast(0), 0);
    private static readonly Option<double> Cutmix = Number("--cutmix", "A", "CutMix alpha (0 = off)", NumberRange<double>.AtLeast(0), 0);
    private static readonly Option<double> MixupProb = Number("--mixup-prob", "P", "probability of mixing a batch", new NumberRange<double>(0, 1), 1.0);
    private static readonly Option<double> MixupSwitchProb = Number("--mixup-switch-prob", "P", "probability of CutMix instead of mixup when both are on", new NumberRange<double>(0, 1), 0.5);
    private static readonly Option<int?> RandomShift = OptionalNumber("--random-shift", "P", "pixels MNIST-like images are randomly shifted by", new NumberRange<int>(0, 64), CliOptions.Recipe(r => r.RandomShift));

    // Fine-tuning, with timm's option names.
    private static readonly Option<string> Pretrained = PretrainedOption();
    private static readonly Option<int?> NumClasses = OptionalNumber("--num-classes", "N", "outputs of the classifier, at least the data set's classes", new NumberRange<int>(1, 1_000_000), "the data set's class count");
    private static readonly Option<int?> ImgSize = OptionalNumber("--img-size", "S", "input image size (a pretrained model's position embeddings are resampled to it)", new NumberRange<int>(1, 4096), "the model's");
    private static readonly Option<double?> LayerDecay = OptionalNumber("--layer-decay", "R", "layer-wise lr decay: block i of L learns at R^(L+1-i) of the rate, the head at 1 (ViT, TNT, Swin)", new NumberRange<double>(0, 1, MinExclusive: true), "off");

    private static readonly Option<string> BackboneWeights = ExistingFile("--backbone-weights", "W",
        "detection: a ResNet classification checkpoint (torchvision's .pth or Vitrum's) loaded into the backbone, its fc.* left out, as DETR starts from ImageNet weights", "weights file", required: false);

    private static readonly Option<int?> WarmupSteps = OptionalNumber("--warmup-steps", "W", "Noam warmup in optimizer steps", NumberRange<int>.AtLeast(1), "the preset's recipe, else --warmup-epochs");
    private static readonly Option<double?> Cooldown = OptionalNumber("--cooldown", "F", "last fraction of the steps over which the rate falls linearly to 0", new NumberRange<double>(0, 1), CliOptions.Recipe(r => r.Cooldown));
    private static readonly Option<double?> MaxMinutes = OptionalNumber("--max-minutes", "M", "time budget: stop, validate and test after this many minutes", NumberRange<double>.Above(0), "none");
    private static readonly Option<int?> AverageLast = OptionalNumber("--average-last", "N", "average the weights of the last N epochs at the end (0 = off)", new NumberRange<int>(0, 1000), CliOptions.Recipe(r => r.AverageLast));
    private static readonly Option<int> TrainWords = Number("--train-words", "N", "train on an even subset of this many words (0 = all)", NumberRange<int>.AtLeast(0), 0);

    private static readonly Option[] ImageOnly = [Mixup, Cutmix, MixupProb, MixupSwitchProb, RandomShift, Pretrained, NumClasses, ImgSize, LayerDecay];
    private static readonly Option[] Seq2SeqOnly = [WarmupSteps, CliOptions.RecipeBeam, CliOptions.LengthPenalty, Cooldown, AverageLast, TrainWords];
    private static readonly Option[] DetectOnly = [BackboneWeights];

    public static VitrumCommand Create()
    {
        var command = new VitrumCommand("train",
            "Train a model, evaluating each epoch; writes best/last weights, a resumable checkpoint, metrics.jsonl and chart.png.",
            "vitrum train --model vit_mnist --dataset mnist --epochs 8 --json",
            $"image data sets only: {string.Join(", ", ImageOnly.Select(o => o.Name))}\ncmudict only: {string.Join(", ", Seq2SeqOnly.Select(o => o.Name))}\n" +
            $"detection only: {string.Join(", ", DetectOnly.Select(o => o.Name))}")
        {
            CliOptions.ModelToBuild, CliOptions.Dataset, Epochs, BatchSize, Lr, WeightDecay, WarmupEpochs, LabelSmoothing, ClipGrad,
            CliOptions.Seed, Out, Resume, Overwrite, MaxSteps, MaxMinutes, CliOptions.Threads, CliOptions.Json,
        };
        ClipGrad.Aliases.Add("--max-grad-norm");
        foreach (var o in ImageOnly.Concat(Seq2SeqOnly).Concat(DetectOnly)) command.Add(o);
        command.Runs(r => TrainCommand.Run(new TrainArgs
        {
            Model = r.GetRequiredValue(CliOptions.ModelToBuild),
            Dataset = r.GetRequiredValue(CliOptions.Dataset),
            Json = r.GetValue(CliOptions.Json),
            Epochs = r.GetValue(Epochs),
            BatchSize = r.GetValue(BatchSize),
            Lr = r.GetValue(Lr),
            WeightDecay = r.GetValue(WeightDecay),
            WarmupEpochs = r.GetValue(WarmupEpochs),
            LabelSmoothing = r.GetValue(LabelSmoothing),
            ClipGrad = r.GetValue(ClipGrad),
            Seed = r.GetValue(CliOptions.Seed),
            Out = r.GetValue(Out),
            Resume = r.GetValue(Resume),
            Overwrite = r.GetValue(Overwrite),
            MaxSteps = r.GetValue(MaxSteps),
            Mixup = r.GetValue(Mixup),
            Cutmix = r.GetValue(Cutmix),
            MixupProb = r.GetValue(MixupProb),
            MixupSwitchProb = r.GetValue(MixupSwitchProb),
            RandomShift = r.GetValue(RandomShift),
            Pretrained = r.GetValue(Pretrained),
            NumClasses = r.GetValue(NumClasses),
            ImgSize = r.GetValue(ImgSize),
            LayerDecay = r.GetValue(LayerDecay),
            WarmupSteps = r.GetValue(WarmupSteps),
            Beam = r.GetValue(CliOptions.RecipeBeam),
            LengthPenalty = r.GetValue(CliOptions.LengthPenalty),
            Cooldown = r.GetValue(Cooldown),
            MaxMinutes = r.GetValue(MaxMinutes),
            AverageLast = r.GetValue(AverageLast),
            TrainWords = r.GetValue(TrainWords),
            BackboneWeights = r.GetValue(BackboneWeights),
            ImageOnlyGiven = VitrumCommand.Given(r, ImageOnly),
            Seq2SeqOnlyGiven = VitrumCommand.Given(r, Seq2SeqOnly),
            DetectOnlyGiven = VitrumCommand.Given(r, DetectOnly),
        }));
        return command;
    }

    /// <summary>--pretrained W (timm's --initial-checkpoint, also accepted): weights to fine-tune from.</summary>
    private static Option<string> PretrainedOption()
    {
        var option = ExistingFile("--pretrained", "W", "weights to fine-tune from: a .safetensors or .pth checkpoint in the family's timm, torchvision or wrapped layouts; " +
            "a head of another class count is re-initialised, position embeddings are resampled, the weights' preprocessing is followed", "weights file", required: false);
        option.Aliases.Add("--initial-checkpoint");
        return option;
    }
}
