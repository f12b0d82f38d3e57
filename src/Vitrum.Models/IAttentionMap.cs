using Vitrum.Tensors;

namespace Vitrum.Models;

/// <summary>
/// An image model that can show where it attends: the optional capability <c>vitrum attention</c> asks a model's
/// module for, so the command works for every family that implements it and names the ones that do not.
/// </summary>
public interface IAttentionMap
{
    /// <summary>
    /// The attention map of one image of a batch, from one no-grad forward that reads attention probabilities on the
    /// unfused path next to the model's own (fused) computation, which it leaves unchanged. Dropout follows the
    /// module's mode: call <c>Eval()</c> first for the map of inference.
    /// </summary>
    /// <param name="images">[B, in_chans, H, W], preprocessed as for the forward</param>
    /// <param name="index">the image of the batch to map</param>
    AttentionMap MapAttention(Tensor images, int index);
}
