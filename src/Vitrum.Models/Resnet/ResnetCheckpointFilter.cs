using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>
/// Turns a ResNet checkpoint into the state dict of <see cref="ResNet"/> without touching the model or the tensors.
/// torchvision's and timm's keys are ours, so this only unwraps a training checkpoint ("model.", "state_dict.",
/// "module.") and reconciles the batch-norm counters with the config's norm layer: a frozen norm has no
/// <c>num_batches_tracked</c>, so the checkpoint's are dropped (as DETR's FrozenBatchNorm2d loader drops them); a
/// trainable norm whose checkpoint predates the counter (torchvision's original ImageNet weights were saved before
/// PyTorch 0.4.1 added it) gets a zero one, as torch.nn.BatchNorm2d's loader gives it. Keys it does not know pass on
/// unchanged, so a checkpoint of another architecture fails naming its own keys.
/// </summary>
public static class ResnetCheckpointFilter
{
    private const string Counter = "num_batches_tracked", Mean = "running_mean";

    /// <summary>The checkpoint as <see cref="ResNet"/> keys for <paramref name="config"/>'s norm layer.</summary>
    public static Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> checkpoint, ResnetConfig config)
    {
        var state = CheckpointUnwrap.Unwrap(checkpoint, "conv1.weight");
        bool frozen = config.NormLayer == ResnetConfig.FrozenBatchNorm;
        var result = state.Where(kv => !(frozen && kv.Key.EndsWith("." + Counter, StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (frozen) return result;
        foreach (var key in state.Keys.Where(k => k.EndsWith("." + Mean, StringComparison.Ordinal)).ToList())
        {
            string counter = key[..^Mean.Length] + Counter;
            if (!result.ContainsKey(counter)) result[counter] = Tensor.LongZeros();
        }
        return result;
    }
}
