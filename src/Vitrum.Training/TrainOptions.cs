namespace Vitrum.Training;

/// <summary>Hyper-parameters of an image-classification run (timm's train.py names where they exist).</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public double Lr { get; init; } = 1e-3;
    public double MinLr { get; init; } = 1e-5;
    public double WeightDecay { get; init; } = 0.05;
    public double WarmupEpochs { get; init; } = 1;
    public double LabelSmoothing { get; init; } = 0.1;
    public double ClipGrad { get; init; } = 1.0;
    public ulong Seed { get; init; } = 42;
    public string OutDir { get; init; } = "runs/latest";
    public bool Resume { get; init; }
    /// <summary>Mixup/CutMix of each training batch (timm's --mixup/--cutmix); when set, its label smoothing replaces <see cref="LabelSmoothing"/> and the loss is soft-target cross-entropy.</summary>
    public Vitrum.Data.Transforms.Mixup? Mixup { get; init; }
    /// <summary>Extra metadata stored in the weights files (e.g. class names and preprocessing, so a checkpoint alone can predict).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>Stop after this many optimizer steps (for smoke tests); null = the whole schedule.</summary>
    public long? MaxSteps { get; init; }
}

/// <summary>What a progress display needs after each step.</summary>
public readonly record struct StepProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond, TimeSpan Elapsed, TimeSpan Eta);

/// <summary>One line of metrics.jsonl, written after each epoch's evaluation.</summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Lr, double Seconds, double ImagesPerSecond);
