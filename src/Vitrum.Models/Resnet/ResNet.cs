// Deep Residual Learning for Image Recognition (He et al., 2016): the architecture and state-dict keys of
// torchvision's models/resnet.py (ResNet V1.5: the stride on the bottleneck's 3x3), which timm's resnet.py shares.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>
/// torchvision's ResNet: a 7x7 stride-2 convolution (<c>conv1</c>, <c>bn1</c>, relu) and a 3x3 stride-2 max pool, four
/// stages of residual blocks (<c>layer1</c>..<c>layer4</c>), global average pooling and the classifier <c>fc</c>
/// (absent with num_classes 0: the pooled features are returned). <see cref="IntermediateLayerGetter"/> reads its
/// feature maps under the same keys without <c>fc</c>, as DETR's backbone does.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>, IInferenceFusion
{
    public ResnetConfig Config { get; }
    public Conv2d Conv1 { get; }
    public Module<Tensor, Tensor> Bn1 { get; }
    public IReadOnlyList<ResnetStage> Stages { get; }
    public Linear? Fc { get; }
    internal ConvNorm StemPair { get; }

    /// <summary>The stage names, as torchvision's children and IntermediateLayerGetter's return_layers name them.</summary>
    public static readonly IReadOnlyList<string> StageNames = new[] { "layer1", "layer2", "layer3", "layer4" };

    public ResNet(ResnetConfig config, ulong seed = 0)
    {
        Config = config.Validate();
        var gen = new Generator(seed);
        Conv1 = RegisterModule("conv1", ResnetLayers.Conv(config.InChans, config.StemWidth, 7, 2, 1, 1, gen));
        Bn1 = RegisterModule("bn1", ResnetLayers.Norm(config, config.StemWidth));
        StemPair = new ConvNorm(Conv1, Bn1);
        var stages = new List<ResnetStage>();
        for (int s = 0, inplanes = config.StemWidth, dilation = 1; s < StageNames.Count; inplanes = config.StageChannels(s), s++)
            stages.Add(RegisterModule(StageNames[s], new ResnetStage(config, s, inplanes, ref dilation, gen)));
        Stages = stages;
        if (config.NumClasses > 0) Fc = RegisterModule("fc", new Linear(config.NumFeatures, config.NumClasses, gen: gen));
        if (config.ZeroInitResidual)
            foreach (var block in stages.SelectMany(s => s.Blocks)) Init.Constant(block.LastNorm.Weight, 0);
    }

    /// <summary>conv1, bn1, relu and the max pool: a quarter of the input's side.</summary>
    /// <param name="images">[N, in_chans, H, W]</param>
    /// <returns>[N, stem_width, H', W'], H' = ceil(ceil(H / 2) / 2)</returns>
    public Tensor Stem(Tensor images)
    {
        if (images.Rank != 4 || images.Shape[1] != Config.InChans)
            throw new ArgumentException($"ResNet: input {ShapeUtil.Format(images.Shape)} is not [N, {Config.InChans}, H, W]");
        return Ops.MaxPool2d(StemPair.Forward(images, relu: true), 3, 2, 1);
    }

    /// <summary>The last stage's map.</summary>
    /// <param name="images">[N, in_chans, H, W]</param>
    /// <returns>[N, num_features, H / 32, W / 32] (less reduction where stages dilate)</returns>
    public Tensor ForwardFeatures(Tensor images)
    {
        var x = Stem(images);
        foreach (var stage in Stages) x = stage.Forward(x);
        return x;
    }

    /// <param name="images">[N, in_chans, H, W]</param>
    /// <returns>logits [N, num_classes] (the pooled features [N, num_features] when num_classes is 0)</returns>
    public override Tensor Forward(Tensor images)
    {
        var pooled = Ops.Mean(ForwardFeatures(images), new[] { 2, 3 });
        return Fc == null ? pooled : Fc.Forward(pooled);
    }

    /// <summary>
    /// Folds every batch norm into the convolution before it for inference (torch.nn.utils.fusion's fold), or undoes it:
    /// a snapshot of the current weights, kept out of the state dict, that forward passes use in eval mode with gradients
    /// off. A forward in training mode drops it; fold again after loading or changing weights.
    /// </summary>
    public void FuseForInference(bool fuse = true)
    {
        if (fuse) StemPair.Fuse();
        else StemPair.Unfuse();
        foreach (var block in Stages.SelectMany(s => s.Blocks)) block.FuseForInference(fuse);
    }

    /// <summary>True when every convolution/norm pair runs folded at inference.</summary>
    public bool IsFused => StemPair.IsFused && Stages.SelectMany(s => s.Blocks).All(b => b.IsFused);
}
