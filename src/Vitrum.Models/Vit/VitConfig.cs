using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vitrum.Models.Vit;

/// <summary>
/// A Vision Transformer's architecture with timm's argument names (snake_case in JSON, e.g.
/// <c>{"family": "vit", "img_size": 28, "patch_size": 4, ...}</c>; omitted fields take timm's defaults,
/// unknown fields are refused). Presets are in <see cref="VitPresets"/>.
/// </summary>
public sealed record VitConfig : IModelConfig
{
    [JsonPropertyName("img_size")] public int ImgSize { get; init; } = 224;
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 16;
    [JsonPropertyName("in_chans")] public int InChans { get; init; } = 3;
    [JsonPropertyName("num_classes")] public int NumClasses { get; init; } = 1000;
    [JsonPropertyName("embed_dim")] public int EmbedDim { get; init; } = 768;
    [JsonPropertyName("depth")] public int Depth { get; init; } = 12;
    [JsonPropertyName("num_heads")] public int NumHeads { get; init; } = 12;
    [JsonPropertyName("mlp_ratio")] public double MlpRatio { get; init; } = 4.0;
    [JsonPropertyName("qkv_bias")] public bool QkvBias { get; init; } = true;
    [JsonPropertyName("class_token")] public bool ClassToken { get; init; } = true;
    [JsonPropertyName("global_pool")] public string GlobalPool { get; init; } = "token";
    /// <summary>Dropout after the position embedding, in attention's output projection, in the MLP and before the head; timm 0.9 splits these into pos_drop_rate, proj_drop_rate and drop_rate.</summary>
    [JsonPropertyName("drop_rate")] public double DropRate { get; init; }
    [JsonPropertyName("drop_path_rate")] public double DropPathRate { get; init; }
    [JsonPropertyName("init_values")] public double? InitValues { get; init; }
    [JsonPropertyName("family")] public string Family { get; init; } = "vit";

    /// <summary>Patches along each side of an img_size image.</summary>
    [JsonIgnore] public int GridSize => ImgSize / PatchSize;

    [JsonIgnore] public int NumPatches => GridSize * GridSize;

    /// <summary>Checks the fields against each other; the message names the field and what was expected.</summary>
    public VitConfig Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new ArgumentException($"ViT config: {msg}"); }
        Need(Family == "vit", $"family is '{Family}', expected 'vit'");
        Need(ImgSize > 0 && PatchSize > 0 && ImgSize % PatchSize == 0, $"img_size {ImgSize} must be a positive multiple of patch_size {PatchSize}");
        Need(InChans > 0, $"in_chans must be positive, got {InChans}");
        Need(NumClasses >= 0, $"num_classes must be >= 0, got {NumClasses}");
        Need(EmbedDim > 0 && NumHeads > 0 && EmbedDim % NumHeads == 0, $"embed_dim {EmbedDim} must be divisible by num_heads {NumHeads}");
        Need(Depth >= 0, $"depth must be >= 0, got {Depth}");
        Need(MlpRatio > 0, $"mlp_ratio must be positive, got {MlpRatio}");
        Need(GlobalPool is "token" or "avg", $"global_pool is '{GlobalPool}', expected 'token' or 'avg'");
        Need(GlobalPool != "token" || ClassToken, "global_pool 'token' needs class_token true");
        Need(DropRate is >= 0 and < 1 && DropPathRate is >= 0 and < 1, "drop_rate and drop_path_rate must be in [0, 1)");
        return this;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static VitConfig FromJson(string json, string source = "config")
    {
        VitConfig config;
        try { config = JsonSerializer.Deserialize<VitConfig>(json, Json) ?? throw new ArgumentException($"{source}: empty ViT config"); }
        catch (JsonException e) { throw new ArgumentException($"{source}: invalid ViT config ({e.Message})", e); }
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{source}: {e.Message}", e); }
    }
}
