// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020): its backbone starts from a torchvision
// ResNet trained on ImageNet classification (models/backbone.py, pretrained=True).
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Detr;

/// <summary>Loads a ResNet classification checkpoint into a DETR's backbone body, leaving the rest of the model as it is.</summary>
public static class DetrBackboneWeights
{
    /// <summary>
    /// Maps <paramref name="checkpoint"/> through <see cref="DetrCheckpointFilter.BackboneFromResnet"/> and copies it
    /// into <c>backbone.0.body.*</c>: every body tensor must be there with its shape, and nothing else (besides
    /// <c>fc.*</c> and the batch-norm counters, which the filter leaves out); nothing is copied unless all fits.
    /// </summary>
    /// <returns>the number of tensors loaded</returns>
    /// <param name="source">the file's name, for the message</param>
    /// <exception cref="ArgumentException">the checkpoint is not a ResNet of this backbone's shape (the message names the keys)</exception>
    public static int Load(DetrModel model, IReadOnlyDictionary<string, Tensor> checkpoint, string source)
    {
        using var scope = new TensorScope();
        var state = DetrCheckpointFilter.BackboneFromResnet(checkpoint);
        var body = model.StateDict().Where(kv => kv.Key.StartsWith(DetrCheckpointFilter.BodyPrefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var missing = body.Keys.Where(k => !state.ContainsKey(k)).Select(Short).ToList();
        var unexpected = state.Keys.Where(k => !body.ContainsKey(k)).Select(Short).ToList();
        var mismatched = body.Where(kv => state.TryGetValue(kv.Key, out var t) && !ShapeUtil.SameShape(t.Shape, kv.Value.Shape))
            .Select(kv => $"{Short(kv.Key)} {ShapeUtil.Format(state[kv.Key].Shape)} vs {ShapeUtil.Format(kv.Value.Shape)}").ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
            throw new ArgumentException($"{source} is not a checkpoint of this DETR's backbone ({model.Config.Backbone}): " + string.Join("; ",
                new[] { ("missing", missing), ("unexpected", unexpected), ("mismatched", mismatched) }.Where(p => p.Item2.Count > 0)
                    .Select(p => $"{p.Item2.Count} {p.Item1} ({string.Join(", ", p.Item2.Take(3))}{(p.Item2.Count > 3 ? ", ..." : "")})")));
        model.LoadStateDict(state, strict: false);
        return state.Count;
    }

    /// <summary>A body key as the ResNet checkpoint names it.</summary>
    private static string Short(string key) => key.StartsWith(DetrCheckpointFilter.BodyPrefix, StringComparison.Ordinal) ? key[DetrCheckpointFilter.BodyPrefix.Length..] : key;
}
