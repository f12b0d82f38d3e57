namespace Vitrum.Cli.Commands;

/// <summary>
/// The parsed options of <c>vitrum train</c>. Null means "not given": the model's recipe
/// (<see cref="ModelChoice.TrainingDefaults"/>) decides. Options that apply to one kind of task only are
/// listed, when given, in <see cref="ImageOnlyGiven"/>, <see cref="Seq2SeqOnlyGiven"/> and <see cref="DetectOnlyGiven"/>, so the other
/// kind can refuse them instead of ignoring them.
/// </summary>
public sealed record TrainArgs
{
    public required string Model { get; init; }
    public required string Dataset { get; init; }
    public bool Json { get; init; }
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    public double? Lr { get; init; }
    public double? WeightDecay { get; init; }
    public double? WarmupEpochs { get; init; }
    public double? LabelSmoothing { get; init; }
    public double? ClipGrad { get; init; }
    public int Seed { get; init; }
    public string? Out { get; init; }
    public bool Resume { get; init; }
    public bool Overwrite { get; init; }
    public long? MaxSteps { get; init; }
    public double? MaxMinutes { get; init; }

    // Image classification only.
    public double Mixup { get; init; }
    public double Cutmix { get; init; }
    public double MixupProb { get; init; } = 1.0;
    public double MixupSwitchProb { get; init; } = 0.5;
    public int? RandomShift { get; init; }
    public string? Pretrained { get; init; }
    public int? NumClasses { get; init; }
    public int? ImgSize { get; init; }
    public double? LayerDecay { get; init; }

    // Detection only.
    public string? BackboneWeights { get; init; }

    // Sequence-to-sequence only.
    public int? WarmupSteps { get; init; }
    public int? Beam { get; init; }
    public double LengthPenalty { get; init; } = 0.6;
    public double? Cooldown { get; init; }
    public int? AverageLast { get; init; }
    public int TrainWords { get; init; }

    public IReadOnlyList<string> ImageOnlyGiven { get; init; } = [];
    public IReadOnlyList<string> Seq2SeqOnlyGiven { get; init; } = [];
    public IReadOnlyList<string> DetectOnlyGiven { get; init; } = [];
}
