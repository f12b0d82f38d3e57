// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020), with the argument names of
// facebookresearch/detr's main.py.
using System.Text.Json;
using System.Text.Json.Serialization;
using Vitrum.Models.Resnet;

namespace Vitrum.Models.Detr;

/// <summary>
/// A DETR's architecture with the official main.py's argument names (snake_case in JSON, e.g.
/// <c>{"family": "detr", "backbone": "resnet50", "dilation": true}</c>; omitted fields take main.py's defaults with
/// COCO's 91 classes, unknown fields are refused). Presets are in <see cref="DetrPresets"/>.
/// </summary>
public sealed record DetrConfig : IModelConfig
{
    public const string Sine = "sine", Learned = "learned", Custom = "custom";

    /// <summary>
    /// A ResNet preset of the resnet family (torchvision's resnet18/34/50/101, or a smaller one such as resnet_mnist),
    /// or "custom" with <see cref="BackboneConfig"/>.
    /// </summary>
    [JsonPropertyName("backbone")] public string Backbone { get; init; } = "resnet50";
    /// <summary>The backbone's own config when <see cref="Backbone"/> is "custom" (Vitrum's, for ResNets narrower than the presets); null otherwise.</summary>
    [JsonPropertyName("backbone_config")] public ResnetConfig? BackboneConfig { get; init; }
    /// <summary>
    /// DC5: the last stage dilates instead of striding, doubling the feature map's side. torchvision (so the official
    /// code) supports it for bottleneck backbones only; Vitrum's basic blocks dilate too (<see cref="Resnet.BasicBlock"/>).
    /// </summary>
    [JsonPropertyName("dilation")] public bool Dilation { get; init; }
    /// <summary>"sine" (fixed, over the padding mask) or "learned" (row and column tables of 50 entries).</summary>
    [JsonPropertyName("position_embedding")] public string PositionEmbedding { get; init; } = Sine;
    [JsonPropertyName("hidden_dim")] public int HiddenDim { get; init; } = 256;
    [JsonPropertyName("nheads")] public int NHeads { get; init; } = 8;
    [JsonPropertyName("enc_layers")] public int EncLayers { get; init; } = 6;
    [JsonPropertyName("dec_layers")] public int DecLayers { get; init; } = 6;
    [JsonPropertyName("dim_feedforward")] public int DimFeedforward { get; init; } = 2048;
    /// <summary>Dropout inside attention (probabilities), in the feed-forward network and on every residual branch of the transformer.</summary>
    [JsonPropertyName("dropout")] public double Dropout { get; init; } = 0.1;
    /// <summary>Pre-norm transformer layers, with a final encoder norm (key <c>transformer.encoder.norm</c>).</summary>
    [JsonPropertyName("pre_norm")] public bool PreNorm { get; init; }
    [JsonPropertyName("num_queries")] public int NumQueries { get; init; } = 100;
    /// <summary>Object classes; class_embed has one more, "no object". DETR's COCO models take 91 (the largest COCO id + 1).</summary>
    [JsonPropertyName("num_classes")] public int NumClasses { get; init; } = 91;
    /// <summary>Outputs of every decoder layer before the last (for the auxiliary losses).</summary>
    [JsonPropertyName("aux_loss")] public bool AuxLoss { get; init; } = true;
    /// <summary>Evaluation resize of the shorter side (DETR's val transform: 800); also the side GMACs are counted at.</summary>
    [JsonPropertyName("img_size")] public int ImgSize { get; init; } = 800;
    /// <summary>The longest side allowed after that resize (DETR's max_size, 1333).</summary>
    [JsonPropertyName("max_size")] public int MaxSize { get; init; } = 1333;
    /// <summary>
    /// Vitrum's training aid from Group DETR (Chen et al. 2022): this many groups of num_queries queries in training,
    /// each matched to the targets on its own and decoded without seeing the others, for more supervised queries per
    /// image; the groups beyond the first (<c>group_query_embed</c>) are unused in eval mode, where the model is a plain
    /// DETR. Null (omitted) = 1.
    /// </summary>
    [JsonPropertyName("group_detr")] public int? GroupDetr { get; init; }
    /// <summary>
    /// Vitrum's training aid from DN-DETR (Li et al. 2022): this many denoising groups in training, each a copy of the
    /// image's target boxes and labels with noise (<see cref="DenoisingQueries"/>) fed to the decoder as extra queries
    /// (content from <c>dn_label_embed</c>, positions from <c>dn_box_embed</c>) that must reconstruct their targets,
    /// without matching; each group decoded on its own, so the object queries never see them. Unused in eval mode,
    /// where the model is a plain DETR. Null (omitted) = none.
    /// </summary>
    [JsonPropertyName("dn_groups")] public int? DnGroups { get; init; }
    [JsonPropertyName("family")] public string Family { get; init; } = "detr";

    /// <summary>The query groups in training (<see cref="GroupDetr"/>, 1 when omitted).</summary>
    [JsonIgnore] public int QueryGroups => GroupDetr ?? 1;

    /// <summary>The denoising groups in training (<see cref="DnGroups"/>, 0 when omitted).</summary>
    [JsonIgnore] public int DenoisingGroups => DnGroups ?? 0;

    /// <summary>
    /// The backbone body as DETR builds it: the ResNet with FrozenBatchNorm2d, replace_stride_with_dilation
    /// [false, false, dilation] and no classifier.
    /// </summary>
    public ResnetConfig Body()
    {
        var resnet = Backbone == Custom ? BackboneConfig ?? throw new ArgumentException($"DETR config: backbone '{Custom}' needs backbone_config")
            : ResnetPresets.All.TryGetValue(Backbone, out var preset) ? preset
            : throw new ArgumentException($"DETR config: backbone is '{Backbone}', expected one of {string.Join(", ", ResnetPresets.All.Keys)} or '{Custom}' with backbone_config");
        return resnet with { NumClasses = 0, NormLayer = ResnetConfig.FrozenBatchNorm, ReplaceStrideWithDilation = new[] { false, false, Dilation } };
    }

    /// <summary>Checks the fields against each other; the message names the field and what was expected.</summary>
    public DetrConfig Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new ArgumentException($"DETR config: {msg}"); }
        Need(Family == "detr", $"family is '{Family}', expected 'detr'");
        Need((Backbone == Custom) == (BackboneConfig != null), $"backbone_config goes with backbone '{Custom}' and only with it (backbone is '{Backbone}', backbone_config {(BackboneConfig == null ? "absent" : "given")})");
        var body = Body();
        try { body.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"DETR config: backbone '{Backbone}': {e.Message}", e); }
        Need(PositionEmbedding is Sine or Learned, $"position_embedding is '{PositionEmbedding}', expected '{Sine}' or '{Learned}'");
        Need(HiddenDim > 0 && NHeads > 0 && HiddenDim % NHeads == 0, $"hidden_dim {HiddenDim} must be a positive multiple of nheads {NHeads}");
        // The sine embedding gives hidden_dim / 2 features per axis, alternating sin and cos: pairs of them.
        Need(HiddenDim % (PositionEmbedding == Sine ? 4 : 2) == 0, $"hidden_dim {HiddenDim} must be divisible by {(PositionEmbedding == Sine ? 4 : 2)} for the {PositionEmbedding} position embedding");
        Need(EncLayers >= 0, $"enc_layers must be >= 0, got {EncLayers}");
        Need(DecLayers >= 1, $"dec_layers must be >= 1, got {DecLayers}");
        Need(DimFeedforward > 0, $"dim_feedforward must be positive, got {DimFeedforward}");
        Need(Dropout is >= 0 and < 1, $"dropout must be in [0, 1), got {Dropout}");
        Need(NumQueries >= 1, $"num_queries must be positive, got {NumQueries}");
        Need(GroupDetr is null or >= 1, $"group_detr must be at least 1, got {GroupDetr}");
        Need(DnGroups is null or >= 0, $"dn_groups must not be negative, got {DnGroups}");
        Need(NumClasses >= 1, $"num_classes must be positive, got {NumClasses}");
        Need(ImgSize > 0 && MaxSize >= ImgSize, $"img_size {ImgSize} must be positive and max_size {MaxSize} at least img_size");
        return this;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DetrConfig FromJson(string json, string source = "config")
    {
        DetrConfig config;
        try { config = JsonSerializer.Deserialize<DetrConfig>(json, Json) ?? throw new ArgumentException($"{source}: empty DETR config"); }
        catch (JsonException e) { throw new ArgumentException($"{source}: invalid DETR config ({e.Message})", e); }
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{source}: {e.Message}", e); }
    }
}
