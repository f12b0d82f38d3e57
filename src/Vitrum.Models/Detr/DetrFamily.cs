using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>The DETR family (Carion et al. 2020) with the official repository's names: object detection.</summary>
public sealed class DetrFamily : ModelFamily<DetrConfig>
{
    public static readonly DetrFamily Instance = new();

    private DetrFamily() { }

    public override string Name => "detr";
    public override TaskKind Task => TaskKind.Detect;
    public override IReadOnlyDictionary<string, IModelConfig> Presets { get; } = Erase(DetrPresets.All);

    public override DetrConfig Parse(string json, string source) => DetrConfig.FromJson(json, source);
    public override Module Create(DetrConfig config, ulong seed) => new DetrModel(config, seed);

    /// <summary>The official layout (ours), wrapped in main.py's <c>{'model': ...}</c> or not (<see cref="DetrCheckpointFilter"/>).</summary>
    public override Dictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, DetrConfig config) =>
        DetrCheckpointFilter.Apply(checkpoint);

    /// <summary>None beyond biases and norms: DETR's main.py decays every parameter alike.</summary>
    public override IReadOnlyCollection<string> NoWeightDecay(DetrConfig config) => Array.Empty<string>();

    /// <summary>
    /// DETR's val transform: the shorter side resized to img_size (800) unless the longer would pass max_size (1333), no
    /// crop, ImageNet mean/std (the backbone's torchvision weights'); other channel counts 0.5 / 0.5.
    /// </summary>
    public override PretrainedCfg Pretrained(DetrConfig c)
    {
        int chans = c.Body().InChans;
        var (mean, std) = chans == 3 ? (PretrainedCfg.ImagenetMean, PretrainedCfg.ImagenetStd)
            : (Enumerable.Repeat(0.5f, chans).ToArray(), Enumerable.Repeat(0.5f, chans).ToArray());
        return new PretrainedCfg(chans, c.ImgSize, mean, std, 1.0, "bilinear", c.NumClasses) { MaxSize = c.MaxSize };
    }

    public override DetrConfig WithClasses(DetrConfig config, int numClasses) => (config with { NumClasses = numClasses }).Validate();

    public override DetrConfig WithImageSize(DetrConfig config, int imgSize) =>
        (config with { ImgSize = imgSize, MaxSize = Math.Max(config.MaxSize, imgSize) }).Validate();

    /// <summary>The class head, re-initialised when fine-tuning with another class count; the box head is class-agnostic and kept.</summary>
    public override string Classifier(DetrConfig config) => "class_embed";

    /// <summary>
    /// detr_digits on digit-scenes: a first phase trains its resnet_mnist backbone for 2 epochs on MNIST digits placed at
    /// the scenes' sizes at random on 64 x 64 canvases (DETR's backbone starts from classification weights; plain 28 x 28
    /// MNIST gives features of a digit filling a heavily padded frame, which left DETR's matched queries at chance for
    /// epochs), then DETR's AdamW (weight decay 1e-4, clip 0.1; the backbone at the full rate, not main.py's 0.1, as its
    /// MNIST features still have to learn where in the scene they are) at a higher rate than
    /// main.py's 1e-4 for a model this small, with warmup and cosine in place of the lr drop so a short run ends at a low
    /// rate, and two training-only aids that leave the inference model a plain DETR: 4 query groups (Group DETR) and 3
    /// denoising groups (DN-DETR). Others: main.py's settings.
    /// </summary>
    public override TrainingRecipe Recipe(string model, string dataset) => (model, dataset) switch
    {
        ("detr_digits", "digit-scenes") => new TrainingRecipe(Epochs: 20, BatchSize: 8, Lr: 2e-4, WeightDecay: 1e-4, WarmupEpochs: 0.5, LabelSmoothing: 0,
            ClipGrad: 0.1, BackbonePretrainEpochs: 2, QueryGroups: 4, DenoisingGroups: 3, BackbonePretrainCanvas: 64, BackboneLrScale: 1.0),
        _ => new TrainingRecipe(Epochs: 300, BatchSize: 2, Lr: 1e-4, WeightDecay: 1e-4, WarmupEpochs: 0, LabelSmoothing: 0, ClipGrad: 0.1, LrDropEpochs: 200),
    };

    public override string Describe(DetrConfig c) =>
        $"DETR (backbone {c.Backbone}{(c.Dilation ? " DC5" : "")}, hidden_dim {c.HiddenDim}, nheads {c.NHeads}, enc_layers {c.EncLayers}, " +
        $"dec_layers {c.DecLayers}, dim_feedforward {c.DimFeedforward}, num_queries {c.NumQueries}, num_classes {c.NumClasses})";
}
