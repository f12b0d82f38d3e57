using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vitrum.Models.Tnt;

/// <summary>
/// A Transformer in Transformer's architecture with timm's argument names (snake_case in JSON, e.g.
/// <c>{"family": "tnt", "img_size": 28, "patch_size": 4, ...}</c>; omitted fields take timm's defaults,
/// unknown fields are refused). Presets are in <see cref="TntPresets"/>.
/// </summary>
public sealed record TntConfig : IModelConfig
{
    [JsonPropertyName("img_size")] public int ImgSize { get; init; } = 224;
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 16;
    [JsonPropertyName("in_chans")] public int InChans { get; init; } = 3;
    [JsonPropertyName("num_classes")] public int NumClasses { get; init; } = 1000;
    [JsonPropertyName("global_pool")] public string GlobalPool { get; init; } = "token";
    /// <summary>Width of the patch (outer) tokens.</summary>
    [JsonPropertyName("embed_dim")] public int EmbedDim { get; init; } = 768;
    /// <summary>Width of the pixel (inner) tokens.</summary>
    [JsonPropertyName("inner_dim")] public int InnerDim { get; init; } = 48;
    [JsonPropertyName("depth")] public int Depth { get; init; } = 12;
    [JsonPropertyName("num_heads_inner")] public int NumHeadsInner { get; init; } = 4;
    [JsonPropertyName("num_heads_outer")] public int NumHeadsOuter { get; init; } = 12;
    /// <summary>Hidden width of the outer MLP over embed_dim (the inner MLP's ratio is 4, as in timm).</summary>
    [JsonPropertyName("mlp_ratio")] public double MlpRatio { get; init; } = 4.0;
    [JsonPropertyName("qkv_bias")] public bool QkvBias { get; init; }
    /// <summary>Dropout before the head (timm's TNT drop_rate; its pos/proj/attn dropout rates stay at their default 0 here).</summary>
    [JsonPropertyName("drop_rate")] public double DropRate { get; init; }
    [JsonPropertyName("drop_path_rate")] public double DropPathRate { get; init; }
    /// <summary>Stride of the 7x7 convolution that embeds pixels: each patch becomes ceil(patch_size / first_stride)^2 pixel tokens.</summary>
    [JsonPropertyName("first_stride")] public int FirstStride { get; init; } = 4;
    /// <summary>
    /// timm's older layout (tnt_s_legacy_patch16_224): the pixel convolution runs over the whole image before it is
    /// cut into patches, and each block projects pixels through a per-pixel norm1_proj and a biased proj with no
    /// norm2_proj. False: the current layout of timm and the official code (per-patch convolution, norm1_proj over
    /// all pixels of a patch, proj without bias, norm2_proj).
    /// </summary>
    [JsonPropertyName("legacy")] public bool Legacy { get; init; }
    [JsonPropertyName("family")] public string Family { get; init; } = "tnt";

    /// <summary>Patches along each side of the image.</summary>
    [JsonIgnore] public int GridSize => ImgSize / PatchSize;

    [JsonIgnore] public int NumPatches => GridSize * GridSize;

    /// <summary>Pixel tokens along each side of a patch (timm's new_patch_size).</summary>
    [JsonIgnore] public int PixelSide => (PatchSize + FirstStride - 1) / FirstStride;

    /// <summary>Pixel tokens per patch (timm's num_pixel).</summary>
    [JsonIgnore] public int NumPixels => PixelSide * PixelSide;

    /// <summary>Checks the fields against each other; the message names the field and what was expected.</summary>
    public TntConfig Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new ArgumentException($"TNT config: {msg}"); }
        Need(Family == "tnt", $"family is '{Family}', expected 'tnt'");
        Need(ImgSize > 0 && PatchSize > 0 && ImgSize % PatchSize == 0, $"img_size {ImgSize} must be a positive multiple of patch_size {PatchSize}");
        Need(FirstStride > 0, $"first_stride must be positive, got {FirstStride}");
        Need(InChans > 0, $"in_chans must be positive, got {InChans}");
        Need(NumClasses >= 0, $"num_classes must be >= 0, got {NumClasses}");
        Need(EmbedDim > 0 && NumHeadsOuter > 0 && EmbedDim % NumHeadsOuter == 0, $"embed_dim {EmbedDim} must be divisible by num_heads_outer {NumHeadsOuter}");
        Need(InnerDim > 0 && NumHeadsInner > 0 && InnerDim % NumHeadsInner == 0, $"inner_dim {InnerDim} must be divisible by num_heads_inner {NumHeadsInner}");
        Need(Depth >= 0, $"depth must be >= 0, got {Depth}");
        Need(MlpRatio > 0 && (int)(EmbedDim * MlpRatio) > 0, $"mlp_ratio must give a positive hidden width, got {MlpRatio}");
        Need(GlobalPool is "token" or "avg", $"global_pool is '{GlobalPool}', expected 'token' or 'avg'");
        Need(DropRate is >= 0 and < 1 && DropPathRate is >= 0 and < 1, "drop_rate and drop_path_rate must be in [0, 1)");
        if (Legacy)
        {
            // The legacy layout convolves the whole image (kernel 7, padding 3) and cuts the result into
            // PixelSide x PixelSide windows, which must be one per patch.
            int pixels = (ImgSize - 1) / FirstStride + 1, windows = pixels / PixelSide;
            Need(windows == GridSize, $"legacy: the stride-{FirstStride} convolution of a {ImgSize}x{ImgSize} image gives {pixels}x{pixels} pixels, " +
                $"{windows}x{windows} windows of {PixelSide}x{PixelSide}, not the {GridSize}x{GridSize} patches of patch_size {PatchSize}");
        }
        return this;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TntConfig FromJson(string json, string source = "config")
    {
        TntConfig config;
        try { config = JsonSerializer.Deserialize<TntConfig>(json, Json) ?? throw new ArgumentException($"{source}: empty TNT config"); }
        catch (JsonException e) { throw new ArgumentException($"{source}: invalid TNT config ({e.Message})", e); }
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{source}: {e.Message}", e); }
    }
}
