namespace Vitrum.Models;

/// <summary>What loading pretrained weights for fine-tuning did (<see cref="ModelInstance.LoadPretrained"/>).</summary>
/// <param name="CheckpointClasses">the outputs of the checkpoint's classifier (0 when it has none)</param>
/// <param name="ModelClasses">the outputs of the model's classifier</param>
/// <param name="HeadReinitialised">the checkpoint's classifier did not fit, so the model keeps its freshly initialised one</param>
public sealed record PretrainedLoad(int CheckpointClasses, int ModelClasses, bool HeadReinitialised)
{
    /// <summary>The one line a fine-tuning run prints when the head was replaced ("head: 1000 -> 3 classes, re-initialised").</summary>
    public string HeadLine => $"head: {CheckpointClasses} -> {ModelClasses} classes, re-initialised";
}
