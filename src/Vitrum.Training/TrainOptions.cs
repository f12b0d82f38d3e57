namespace Vitrum.Training;

/// <summary>Hyper-parameters of a training run (timm's train.py names where they exist); the last group is for sequence-to-sequence runs only.</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public double Lr { get; init; } = 1e-3;
    public double MinLr { get; init; } = 1e-5;
    public double WeightDecay { get; init; } = 0.05;
    public double WarmupEpochs { get; init; } = 1;
    public double LabelSmoothing { get; init; } = 0.1;
    /// <summary>Sequence-to-sequence runs: the last fraction of the planned steps (all epochs) over which the Noam rate falls linearly to 0 (0 = none).</summary>
    public double Cooldown { get; init; }
    /// <summary>Clip the gradients' total L2 norm to this (timm's --clip-grad with --clip-mode norm); 0 = off. Each epoch reports how many steps it clipped.</summary>
    public double ClipGrad { get; init; } = 1.0;
    /// <summary>Layer-wise learning-rate decay (timm's --layer-decay): block i of L learns at LayerDecay^(L + 1 - i) of the rate, the head at 1; null = off.</summary>
    public double? LayerDecay { get; init; }
    public ulong Seed { get; init; } = 42;
    public string OutDir { get; init; } = "runs/latest";
    /// <summary>Continue the run in <see cref="OutDir"/> from its checkpoint (afresh, with a note, when it has none).</summary>
    public bool Resume { get; init; }
    /// <summary>Remove the files of an earlier run in <see cref="OutDir"/> first; without it (or <see cref="Resume"/>) such a folder is refused.</summary>
    public bool Overwrite { get; init; }
    /// <summary>Mixup/CutMix of each training batch (timm's --mixup/--cutmix); when set, its label smoothing replaces <see cref="LabelSmoothing"/> and the loss is soft-target cross-entropy.</summary>
    public Vitrum.Data.Transforms.Mixup? Mixup { get; init; }
    /// <summary>Extra metadata stored in the weights files (e.g. class names and preprocessing, so a checkpoint alone can predict).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>Stop after this many optimizer steps (for smoke tests); null = the whole schedule.</summary>
    public long? MaxSteps { get; init; }
    /// <summary>
    /// A wall-clock budget for the run (training and the per-epoch validations, summed over resumed parts):
    /// training stops after the step that exceeds it, then validates, saves and tests as after a last epoch
    /// (the final test decoding comes on top). Null = no budget.
    /// </summary>
    public double? MaxMinutes { get; init; }

    /// <summary>Noam warmup in optimizer steps; null = <see cref="WarmupEpochs"/> epochs, at most the paper's 4000.</summary>
    public long? WarmupSteps { get; init; }
    /// <summary>
    /// Sequence-to-sequence runs: the weights of the last this many epochs are kept (epoch-N.safetensors) and
    /// averaged at the end, as the paper averages its last checkpoints; the average replaces the best weights
    /// when it validates better. 0 or 1 = no averaging.
    /// </summary>
    public int AverageLast { get; init; }
    /// <summary>
    /// The processes of a data-parallel run (MPI's ranks); <see cref="BatchSize"/> is then the global batch, read as
    /// BatchSize / Size items by each rank. One process by default.
    /// </summary>
    public Distributed.IProcessGroup Group { get; init; } = Distributed.SingleProcess.Instance;

    /// <summary>Beam size for decoding the test set at the end (1 = greedy).</summary>
    public int BeamSize { get; init; } = 1;
    /// <summary>GNMT length penalty alpha for beam search.</summary>
    public double LengthPenalty { get; init; } = 0.6;
}

/// <summary>What a progress display needs after each step.</summary>
/// <param name="PerSecond">throughput in <paramref name="Unit"/> (images or tokens per second)</param>
public readonly record struct StepProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double PerSecond, TimeSpan Elapsed, TimeSpan Eta, string Unit = "img/s");
