// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); facebookresearch/detr's
// models/position_encoding.py.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>A position embedding of a feature map (DETR's Joiner's second module, keys <c>backbone.1.*</c>).</summary>
public abstract class PositionEmbedding : Module
{
    /// <summary>The embedding of every cell of the feature maps.</summary>
    /// <param name="mask">the feature maps' padding</param>
    /// <returns>[B, hidden_dim, h, w]</returns>
    public abstract Tensor Forward(PaddingMask mask);

    /// <summary>DETR's build_position_encoding: hidden_dim / 2 features per axis.</summary>
    public static PositionEmbedding Create(DetrConfig config, Generator gen) => config.PositionEmbedding == DetrConfig.Sine
        ? new PositionEmbeddingSine(config.HiddenDim / 2)
        : new PositionEmbeddingLearned(config.HiddenDim / 2, gen);
}
