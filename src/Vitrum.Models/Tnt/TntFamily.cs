using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Tnt;

/// <summary>The Transformer in Transformer family (Han et al. 2021) with timm's names: image classification.</summary>
public sealed class TntFamily : ModelFamily<TntConfig>
{
    public static readonly TntFamily Instance = new();

    private TntFamily() { }

    public override string Name => "tnt";
    public override TaskKind Task => TaskKind.Classify;
    public override IReadOnlyDictionary<string, IModelConfig> Presets { get; } = Erase(TntPresets.All);

    public override TntConfig Parse(string json, string source) => TntConfig.FromJson(json, source);
    public override Module Create(TntConfig config, ulong seed) => new TransformerInTransformer(config, seed);

    public override Dictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, TntConfig config) =>
        TntCheckpointFilter.Apply(checkpoint, config);

    public override IReadOnlyCollection<string> NoWeightDecay(TntConfig config) => TransformerInTransformer.NoWeightDecay;

    /// <summary>
    /// timm's tnt _cfg: inception mean/std 0.5, crop 0.9, bicubic, for 3 channels; other channel counts (the grey
    /// preset) 0.5 / 0.5 on the whole image. A trained checkpoint records its own, which takes precedence.
    /// </summary>
    public override PretrainedCfg Pretrained(TntConfig c) =>
        PretrainedCfg.ForImages(c.InChans, c.ImgSize, c.NumClasses, PretrainedCfg.InceptionMean, PretrainedCfg.InceptionStd);

    public override TntConfig WithClasses(TntConfig config, int numClasses) => (config with { NumClasses = numClasses }).Validate();
    public override TntConfig WithImageSize(TntConfig config, int imgSize) => (config with { ImgSize = imgSize }).Validate();
    public override string Classifier(TntConfig config) => "head";

    private static readonly string[] Stem = { "cls_token", "patch_pos", "pixel_pos", "pixel_embed", "norm1_proj", "norm2_proj", "proj" };

    /// <summary>timm's TNT.group_matcher: the pixel and patch embeddings 0, block i i + 1, the final norm with the last block, the head on top.</summary>
    public override int? LayerId(string parameter, TntConfig config) => LayerIds.OfBlocks(parameter, config.Depth, Stem);

    public override string Describe(TntConfig c) =>
        $"TNT (embed_dim {c.EmbedDim}, inner_dim {c.InnerDim}, depth {c.Depth}, patch_size {c.PatchSize}, first_stride {c.FirstStride}, " +
        $"legacy {(c.Legacy ? "true" : "false")}, num_classes {c.NumClasses})";

    /// <summary>tnt_mnist's recipe on Fashion-MNIST; others use the general defaults.</summary>
    public override TrainingRecipe Recipe(string model, string dataset) => (model, dataset) switch
    {
        // swin_mnist's recipe (1-pixel shifts and label smoothing against the overfitting that 18 plain epochs showed
        // there), 20 epochs for tnt_mnist's cost per image in the 20-minute budget.
        ("tnt_mnist", "fashion-mnist") => new TrainingRecipe(Epochs: 20, BatchSize: 128, Lr: 2e-3, WeightDecay: 0.05, WarmupEpochs: 0.5, LabelSmoothing: 0.1, RandomShift: 1),
        _ => new TrainingRecipe(),
    };
}
