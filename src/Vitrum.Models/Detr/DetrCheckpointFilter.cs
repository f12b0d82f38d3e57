using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// Turns checkpoints into <see cref="DetrModel"/> state dicts without touching the model or the tensors. The official
/// checkpoints' keys are ours, so a DETR checkpoint is only unwrapped (main.py saves <c>{'model': state_dict, 'optimizer':
/// ..., 'epoch': ...}</c>) and freed of any <c>num_batches_tracked</c> in the backbone, which FrozenBatchNorm2d does not
/// have (DETR's loader drops them). Keys it does not know pass on unchanged, so a checkpoint of another architecture
/// fails naming its own keys.
/// </summary>
public static class DetrCheckpointFilter
{
    public const string BodyPrefix = "backbone.0.body.";
    private const string Counter = ".num_batches_tracked";

    /// <summary>The checkpoint as <see cref="DetrModel"/> keys.</summary>
    public static Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> checkpoint)
    {
        var state = CheckpointUnwrap.Unwrap(checkpoint, "class_embed.weight", "query_embed.weight");
        return state.Where(kv => !(kv.Key.StartsWith(BodyPrefix, StringComparison.Ordinal) && kv.Key.EndsWith(Counter, StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// A torchvision (or Vitrum) ResNet classification checkpoint, wrapped or not, as the keys of DETR's backbone body
    /// (<c>backbone.0.body.*</c>), as DETR starts training from ImageNet weights: the classifier (<c>fc.*</c>) and the
    /// batch-norm counters left out. The rest of the model keeps its own initial weights.
    /// </summary>
    public static Dictionary<string, Tensor> BackboneFromResnet(IReadOnlyDictionary<string, Tensor> checkpoint)
    {
        var state = CheckpointUnwrap.Unwrap(checkpoint, "conv1.weight");
        return state.Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal) && !kv.Key.EndsWith(Counter, StringComparison.Ordinal))
            .ToDictionary(kv => BodyPrefix + kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }
}
