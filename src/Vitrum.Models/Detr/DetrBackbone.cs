// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); Backbone/BackboneBase of
// facebookresearch/detr's models/backbone.py over torchvision's ResNet.
using Vitrum.Models.Resnet;
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// DETR's Backbone (key <c>backbone.0</c>): a ResNet body with FrozenBatchNorm2d returning its last stage (key
/// <c>body</c>, torchvision's IntermediateLayerGetter with return_layers {"layer4": "0"}), and the padding mask
/// brought to that map's size. As DETR's train_backbone (its default lr_backbone 1e-5 &gt; 0), the stem (conv1) and
/// layer1 are frozen at creation: only layer2..layer4 train.
/// </summary>
public sealed class DetrBackbone : Module
{
    public IntermediateLayerGetter Body { get; }

    /// <summary>Channels of the returned map (DETR's num_channels: 512 for resnet18/34, 2048 for resnet50/101).</summary>
    public int NumChannels { get; }

    /// <summary>Channels of the images the body takes.</summary>
    public int InChans { get; }

    private static readonly string[] Trained = { "layer2.", "layer3.", "layer4." };

    public DetrBackbone(ResnetConfig body, ulong seed)
    {
        Body = RegisterModule("body", new IntermediateLayerGetter(new ResNet(body, seed), new Dictionary<string, string> { ["layer4"] = "0" }));
        (NumChannels, InChans) = (body.NumFeatures, body.InChans);
        foreach (var (name, p) in Body.NamedParameters())
            p.RequiresGrad = Trained.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>The last stage's map and the images' padding resized to it by nearest neighbour.</summary>
    /// <param name="images">Float32 [B, in_chans, H, W]</param>
    /// <param name="padding">the images' padding</param>
    /// <returns>[B, num_channels, h, w] and the map's padding</returns>
    public (Tensor Features, PaddingMask Mask) Forward(Tensor images, PaddingMask padding)
    {
        var features = Body.Forward(images)["0"];
        return (features, padding.Resize(features.Shape[2], features.Shape[3]));
    }
}
