using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Swin;

/// <summary>The Swin Transformer family (Liu et al. 2021) with timm's names: image classification.</summary>
public sealed class SwinFamily : ModelFamily<SwinConfig>
{
    public static readonly SwinFamily Instance = new();

    private SwinFamily() { }

    public override string Name => "swin";
    public override TaskKind Task => TaskKind.Classify;
    public override IReadOnlyDictionary<string, IModelConfig> Presets { get; } = Erase(SwinPresets.All);

    public override SwinConfig Parse(string json, string source) => SwinConfig.FromJson(json, source);
    public override Module Create(SwinConfig config, ulong seed) => new SwinTransformer(config, seed);

    /// <summary>torchvision's, the original repository's and older timm layouts, wrapped or not (<see cref="SwinCheckpointFilter"/>).</summary>
    public override Dictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, SwinConfig config) =>
        SwinCheckpointFilter.Apply(checkpoint, config);

    public override IReadOnlyCollection<string> NoWeightDecay(SwinConfig config) => SwinTransformer.NoWeightDecayOf(config);

    /// <summary>timm's swin_* default cfg: ImageNet mean/std, crop 0.9, bicubic; grey presets 0.5 / 0.5 on the whole image.</summary>
    public override PretrainedCfg Pretrained(SwinConfig c) =>
        PretrainedCfg.ForImages(c.InChans, c.ImgSize, c.NumClasses, PretrainedCfg.ImagenetMean, PretrainedCfg.ImagenetStd);

    /// <summary>
    /// swin_mnist on the grey sets: vit_mnist's Fashion-MNIST recipe (no shifts, no label smoothing, flips), 18 epochs,
    /// which the helper's step timing (1.7x vit_mnist's cost per image) puts at ~16 minutes on the 2-core machine.
    /// </summary>
    public override TrainingRecipe Recipe(string model, string dataset) => (model, dataset) switch
    {
        // 18 epochs without shifts or smoothing ended at 91.31% test, 95.2% train against 91.8% validation: more epochs,
        // with 1-pixel shifts and label smoothing against the overfitting, in the 20-minute budget (about 35 s an epoch).
        ("swin_mnist", "fashion-mnist") => new TrainingRecipe(Epochs: 24, BatchSize: 128, Lr: 2e-3, WeightDecay: 0.05, WarmupEpochs: 0.5, LabelSmoothing: 0.1, RandomShift: 1),
        ("swin_mnist", _) => new TrainingRecipe(Epochs: 8, BatchSize: 128, Lr: 2e-3, WeightDecay: 0.05, WarmupEpochs: 0.5, LabelSmoothing: 0.1),
        _ => new TrainingRecipe(),
    };

    public override SwinConfig WithClasses(SwinConfig config, int numClasses) => (config with { NumClasses = numClasses }).Validate();
    public override SwinConfig WithImageSize(SwinConfig config, int imgSize) => (config with { ImgSize = imgSize }).Validate();
    public override string Classifier(SwinConfig config) => "head.fc";

    /// <summary>
    /// timm's SwinTransformer.group_matcher: the patch embedding 0, then every block of every stage in order (a stage's
    /// patch merging with its first block), the final norm with the last block, the head on top.
    /// </summary>
    public override int? LayerId(string parameter, SwinConfig config)
    {
        if (parameter.StartsWith("patch_embed", StringComparison.Ordinal)) return 0;
        if (LayerIds.Indexed(parameter, "layers.") is int stage && stage < config.Depths.Length)
        {
            int first = 1 + config.Depths.Take(stage).Sum(), rest = $"layers.{stage}.".Length;
            if (string.CompareOrdinal(parameter, rest, "downsample.", 0, "downsample.".Length) == 0) return first;
            if (LayerIds.Indexed(parameter, "blocks.", rest) is int block) return first + block;
        }
        return parameter.StartsWith("norm", StringComparison.Ordinal) ? config.Depths.Sum() : LayerIds.Top;
    }

    public override string Describe(SwinConfig c) =>
        $"Swin (embed_dim {c.EmbedDim}, depths [{string.Join(", ", c.Depths)}], num_heads [{string.Join(", ", c.NumHeads)}], window_size {c.WindowSize}, patch_size {c.PatchSize}, num_classes {c.NumClasses})";
}
