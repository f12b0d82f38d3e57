using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>The ResNet family (He et al. 2016) with torchvision's names: image classification, and DETR's backbone.</summary>
public sealed class ResnetFamily : ModelFamily<ResnetConfig>
{
    public static readonly ResnetFamily Instance = new();

    private ResnetFamily() { }

    public override string Name => "resnet";
    public override TaskKind Task => TaskKind.Classify;
    public override IReadOnlyDictionary<string, IModelConfig> Presets { get; } = Erase(ResnetPresets.All);

    public override ResnetConfig Parse(string json, string source) => ResnetConfig.FromJson(json, source);
    public override Module Create(ResnetConfig config, ulong seed) => new ResNet(config, seed);

    /// <summary>torchvision's and timm's layout (ours), wrapped or not, with batch-norm counters fitted to the norm layer (<see cref="ResnetCheckpointFilter"/>).</summary>
    public override Dictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, ResnetConfig config) =>
        ResnetCheckpointFilter.Apply(checkpoint, config);

    /// <summary>None beyond biases and norms (timm's ResNet defines no no_weight_decay()).</summary>
    public override IReadOnlyCollection<string> NoWeightDecay(ResnetConfig config) => Array.Empty<string>();

    /// <summary>
    /// torchvision's ImageNet weights' transforms for 3 channels: bilinear resize of the shorter side to 256, centre crop
    /// 224 (crop 0.875), ImageNet mean/std; other channel counts (the grey preset) 0.5 / 0.5 on the whole image.
    /// </summary>
    public override PretrainedCfg Pretrained(ResnetConfig c) => c.InChans == 3
        ? new PretrainedCfg(3, c.ImgSize, PretrainedCfg.ImagenetMean, PretrainedCfg.ImagenetStd, 0.875, "bilinear", c.NumClasses)
        : PretrainedCfg.ForImages(c.InChans, c.ImgSize, c.NumClasses, PretrainedCfg.ImagenetMean, PretrainedCfg.ImagenetStd);

    public override ResnetConfig WithClasses(ResnetConfig config, int numClasses) => (config with { NumClasses = numClasses }).Validate();
    public override ResnetConfig WithImageSize(ResnetConfig config, int imgSize) => (config with { ImgSize = imgSize }).Validate();
    public override string Classifier(ResnetConfig config) => "fc";

    /// <summary>timm's ResNet.group_matcher (fine): the stem (conv1, bn1) 0, then every block of every stage in order, fc on top.</summary>
    public override int? LayerId(string parameter, ResnetConfig config)
    {
        if (parameter.StartsWith("conv1.", StringComparison.Ordinal) || parameter.StartsWith("bn1.", StringComparison.Ordinal)) return 0;
        for (int s = 0; s < ResNet.StageNames.Count; s++)
            if (LayerIds.Indexed(parameter, ResNet.StageNames[s] + ".") is int block && block < config.Layers[s])
                return 1 + config.Layers.Take(s).Sum() + block;
        return LayerIds.Top;
    }

    public override string Describe(ResnetConfig c) =>
        $"ResNet (block {c.Block}, layers [{string.Join(", ", c.Layers)}], channels [{string.Join(", ", c.Channels)}], stem_width {c.StemWidth}, " +
        $"norm_layer {c.NormLayer}, num_classes {c.NumClasses})";
}
