namespace Vitrum.Models;

/// <summary>
/// A model that can fold layers for inference (a batch norm into the convolution before it, as ONNX Runtime does when a
/// session starts): a snapshot of the current weights, kept out of the state dict, that forward passes use in eval mode
/// with gradients off. A forward in training mode drops it; fold again after loading or changing weights.
/// </summary>
public interface IInferenceFusion
{
    void FuseForInference(bool fuse = true);
}
