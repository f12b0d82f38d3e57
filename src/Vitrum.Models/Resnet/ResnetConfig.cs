// Deep Residual Learning for Image Recognition (He et al., 2016), with the argument names of torchvision's
// models/resnet.py (and timm's resnet.py for the stem and stage widths).
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vitrum.Models.Resnet;

/// <summary>
/// A ResNet's architecture with torchvision's argument names (snake_case in JSON, e.g.
/// <c>{"family": "resnet", "layers": [3, 4, 6, 3], "block": "bottleneck"}</c>; omitted fields take torchvision's
/// defaults, unknown fields are refused). Presets are in <see cref="ResnetPresets"/>. The four stages (keys
/// <c>layer1</c>..<c>layer4</c>) have <c>channels[i]</c> planes (times 4 out of a bottleneck) and <c>layers[i]</c>
/// blocks; stages 2..4 halve the map, or dilate instead where <c>replace_stride_with_dilation</c> says so.
/// </summary>
public sealed record ResnetConfig : IModelConfig
{
    public const string Basic = "basic", Bottleneck = "bottleneck";
    public const string BatchNorm = "batch_norm", FrozenBatchNorm = "frozen_batch_norm";

    /// <summary>Blocks per stage (torchvision's <c>layers</c>): resnet50's [3, 4, 6, 3].</summary>
    [JsonPropertyName("layers")] public int[] Layers { get; init; } = { 2, 2, 2, 2 };
    /// <summary>"basic" (two 3x3 convolutions, resnet18/34) or "bottleneck" (1x1, 3x3, 1x1 with 4x expansion, resnet50+).</summary>
    [JsonPropertyName("block")] public string Block { get; init; } = Basic;
    [JsonPropertyName("num_classes")] public int NumClasses { get; init; } = 1000;
    [JsonPropertyName("in_chans")] public int InChans { get; init; } = 3;
    /// <summary>The input side the preprocessing and the GMAC count use; any size of at least 1 pixel per map runs.</summary>
    [JsonPropertyName("img_size")] public int ImgSize { get; init; } = 224;
    /// <summary>Convolution groups of a bottleneck's 3x3 (ResNeXt's cardinality); basic blocks take 1.</summary>
    [JsonPropertyName("groups")] public int Groups { get; init; } = 1;
    /// <summary>A bottleneck's inner width is planes * width_per_group / 64 * groups (wide_resnet50_2: 128); basic blocks take 64.</summary>
    [JsonPropertyName("width_per_group")] public int WidthPerGroup { get; init; } = 64;
    /// <summary>Stages 2, 3 and 4: dilate by 2 instead of striding (DETR's DC5 sets the last; torchvision refuses it for basic blocks, Vitrum allows it).</summary>
    [JsonPropertyName("replace_stride_with_dilation")] public bool[] ReplaceStrideWithDilation { get; init; } = { false, false, false };
    /// <summary>"batch_norm" (torch.nn.BatchNorm2d) or "frozen_batch_norm" (torchvision's FrozenBatchNorm2d, DETR's backbone).</summary>
    [JsonPropertyName("norm_layer")] public string NormLayer { get; init; } = BatchNorm;
    /// <summary>Zero the scale of every block's last norm, so each residual branch starts as the identity (torchvision's option).</summary>
    [JsonPropertyName("zero_init_residual")] public bool ZeroInitResidual { get; init; }
    /// <summary>Planes of each stage (timm's <c>channels</c>); torchvision fixes them to 64, 128, 256, 512.</summary>
    [JsonPropertyName("channels")] public int[] Channels { get; init; } = { 64, 128, 256, 512 };
    /// <summary>Output channels of the 7x7 stem convolution (timm's <c>stem_width</c>); torchvision fixes it to 64.</summary>
    [JsonPropertyName("stem_width")] public int StemWidth { get; init; } = 64;
    [JsonPropertyName("family")] public string Family { get; init; } = "resnet";

    [JsonIgnore] public bool IsBottleneck => Block == Bottleneck;

    /// <summary>Output channels over input planes of a block: 1 for basic blocks, 4 for bottlenecks.</summary>
    [JsonIgnore] public int Expansion => IsBottleneck ? 4 : 1;

    /// <summary>Channels out of stage <paramref name="stage"/> (0-based): channels[stage] * expansion.</summary>
    public int StageChannels(int stage) => Channels[stage] * Expansion;

    /// <summary>Channels of the last stage, the pooled features the classifier reads.</summary>
    [JsonIgnore] public int NumFeatures => StageChannels(Channels.Length - 1);

    /// <summary>Inner width of a bottleneck of <paramref name="planes"/> planes (torchvision: int(planes * width_per_group / 64) * groups).</summary>
    public int BottleneckWidth(int planes) => planes * WidthPerGroup / 64 * Groups;

    /// <summary>Checks the fields against each other; the message names the field and what was expected.</summary>
    public ResnetConfig Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new ArgumentException($"ResNet config: {msg}"); }
        Need(Family == "resnet", $"family is '{Family}', expected 'resnet'");
        // JSON may set the lists to null.
        int[] layers = Layers ?? [], channels = Channels ?? [];
        bool[] dilate = ReplaceStrideWithDilation ?? [];
        Need(layers.Length == 4 && layers.All(n => n > 0), $"layers must list 4 positive block counts, got [{string.Join(", ", layers)}]");
        Need(Block is Basic or Bottleneck, $"block is '{Block}', expected '{Basic}' or '{Bottleneck}'");
        Need(NumClasses >= 0, $"num_classes must be >= 0, got {NumClasses}");
        Need(InChans > 0, $"in_chans must be positive, got {InChans}");
        Need(ImgSize > 0, $"img_size must be positive, got {ImgSize}");
        Need(channels.Length == 4 && channels.All(c => c > 0), $"channels must list 4 positive widths, got [{string.Join(", ", channels)}]");
        Need(StemWidth > 0, $"stem_width must be positive, got {StemWidth}");
        Need(dilate.Length == 3, $"replace_stride_with_dilation must have 3 entries (stages 2, 3, 4), got {dilate.Length}");
        Need(NormLayer is BatchNorm or FrozenBatchNorm, $"norm_layer is '{NormLayer}', expected '{BatchNorm}' or '{FrozenBatchNorm}'");
        Need(Groups > 0 && WidthPerGroup > 0, $"groups ({Groups}) and width_per_group ({WidthPerGroup}) must be positive");
        if (!IsBottleneck)
        {
            // torchvision's BasicBlock raises for all three.
            // torchvision's BasicBlock also refuses dilation; Vitrum's dilates its conv1 (see BasicBlock).
            Need(Groups == 1 && WidthPerGroup == 64, $"basic blocks only support groups 1 and width_per_group 64, got {Groups} and {WidthPerGroup}");
        }
        else Need(channels.All(c => BottleneckWidth(c) > 0), $"width_per_group {WidthPerGroup} leaves a bottleneck of channels [{string.Join(", ", channels)}] no inner channels");
        return this;
    }

    // A record compares arrays by reference; configs with equal lists are the same architecture.
    public bool Equals(ResnetConfig? other) =>
        other is not null && (Block, NumClasses, InChans, ImgSize, Groups, WidthPerGroup, NormLayer, ZeroInitResidual, StemWidth, Family)
            == (other.Block, other.NumClasses, other.InChans, other.ImgSize, other.Groups, other.WidthPerGroup, other.NormLayer, other.ZeroInitResidual, other.StemWidth, other.Family)
        && Layers.AsSpan().SequenceEqual(other.Layers) && Channels.AsSpan().SequenceEqual(other.Channels)
        && ReplaceStrideWithDilation.AsSpan().SequenceEqual(other.ReplaceStrideWithDilation);

    public override int GetHashCode() => HashCode.Combine(Block, NumClasses, ImgSize, StemWidth, string.Join(",", Layers), string.Join(",", Channels));

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ResnetConfig FromJson(string json, string source = "config")
    {
        ResnetConfig config;
        try { config = JsonSerializer.Deserialize<ResnetConfig>(json, Json) ?? throw new ArgumentException($"{source}: empty ResNet config"); }
        catch (JsonException e) { throw new ArgumentException($"{source}: invalid ResNet config ({e.Message})", e); }
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{source}: {e.Message}", e); }
    }
}
