// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); Joiner of facebookresearch/detr's
// models/backbone.py.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// DETR's Joiner (key <c>backbone</c>, an nn.Sequential): the backbone (<c>backbone.0</c>) and the position embedding
/// of its map (<c>backbone.1</c>, with keys only when learned).
/// </summary>
public sealed class Joiner : Module
{
    public DetrBackbone Backbone { get; }
    public PositionEmbedding PositionEmbedding { get; }

    public Joiner(DetrBackbone backbone, PositionEmbedding positionEmbedding)
    {
        Backbone = RegisterModule("0", backbone);
        PositionEmbedding = RegisterModule("1", positionEmbedding);
    }

    /// <param name="images">Float32 [B, in_chans, H, W]</param>
    /// <param name="padding">the images' padding</param>
    /// <returns>the map [B, num_channels, h, w], its padding and its position embedding [B, hidden_dim, h, w]</returns>
    public (Tensor Features, PaddingMask Mask, Tensor Pos) Forward(Tensor images, PaddingMask padding)
    {
        var (features, mask) = Backbone.Forward(images, padding);
        return (features, mask, PositionEmbedding.Forward(mask));
    }
}
