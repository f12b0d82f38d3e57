// Swin Transformer: Hierarchical Vision Transformer using Shifted Windows (Liu et al., 2021), with the
// argument names of timm's swin_transformer.py.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vitrum.Models.Swin;

/// <summary>
/// A Swin Transformer's architecture with timm's argument names (snake_case in JSON, e.g.
/// <c>{"family": "swin", "img_size": 28, "patch_size": 2, "depths": [2, 6], "num_heads": [2, 4], ...}</c>;
/// omitted fields take timm's defaults (Swin-T), unknown fields are refused). Presets are in <see cref="SwinPresets"/>.
/// Stage i has embed_dim * 2^i channels and depths[i] blocks; stages after the first start with a 2x2 patch merging.
/// </summary>
public sealed record SwinConfig : IModelConfig
{
    [JsonPropertyName("img_size")] public int ImgSize { get; init; } = 224;
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 4;
    [JsonPropertyName("in_chans")] public int InChans { get; init; } = 3;
    [JsonPropertyName("num_classes")] public int NumClasses { get; init; } = 1000;
    [JsonPropertyName("embed_dim")] public int EmbedDim { get; init; } = 96;
    [JsonPropertyName("depths")] public int[] Depths { get; init; } = { 2, 2, 6, 2 };
    [JsonPropertyName("num_heads")] public int[] NumHeads { get; init; } = { 3, 6, 12, 24 };
    [JsonPropertyName("window_size")] public int WindowSize { get; init; } = 7;
    [JsonPropertyName("mlp_ratio")] public double MlpRatio { get; init; } = 4.0;
    [JsonPropertyName("qkv_bias")] public bool QkvBias { get; init; } = true;
    /// <summary>Dropout before the classifier (timm's drop_rate).</summary>
    [JsonPropertyName("drop_rate")] public double DropRate { get; init; }
    /// <summary>Dropout after attention's output projection and in the MLP (timm's proj_drop_rate).</summary>
    [JsonPropertyName("proj_drop_rate")] public double ProjDropRate { get; init; }
    /// <summary>Dropout on the attention probabilities (timm's attn_drop_rate).</summary>
    [JsonPropertyName("attn_drop_rate")] public double AttnDropRate { get; init; }
    /// <summary>Stochastic depth of the last block; block j of all n gets rate * j / (n - 1) (timm's default 0.1).</summary>
    [JsonPropertyName("drop_path_rate")] public double DropPathRate { get; init; } = 0.1;
    [JsonPropertyName("family")] public string Family { get; init; } = "swin";

    [JsonIgnore] public int NumLayers => Depths.Length;

    /// <summary>Channels of stage <paramref name="stage"/>: embed_dim * 2^stage.</summary>
    public int StageDim(int stage) => EmbedDim << stage;

    /// <summary>Channels of the last stage, the final norm and the head's input.</summary>
    [JsonIgnore] public int NumFeatures => StageDim(NumLayers - 1);

    /// <summary>
    /// Side of stage <paramref name="stage"/>'s feature map for a <paramref name="side"/> x <paramref name="side"/>
    /// patch grid: patch merging pads an odd map by one (timm and torchvision), so each stage halves rounding up.
    /// </summary>
    public static int StageSide(int side, int stage)
    {
        for (int i = 0; i < stage; i++) side = (side + 1) / 2;
        return side;
    }

    /// <summary>
    /// The window of stage <paramref name="stage"/> (timm's rule at img_size): window_size, or the whole map when
    /// the map is no larger. timm's relative position table is sized by this window. timm computes the map side
    /// with floor division, which differs from the map the blocks see only after merging an odd map; the map
    /// the blocks see is used here.
    /// </summary>
    public int StageWindow(int stage) => Math.Min(WindowSize, StageSide(ImgSize / PatchSize, stage));

    /// <summary>Stochastic depth rate of block <paramref name="index"/> counted over all stages (timm's linspace(0, rate, n)).</summary>
    public double BlockDropPath(int index)
    {
        int total = Depths.Sum();
        return total > 1 ? DropPathRate * index / (total - 1) : 0;
    }

    /// <summary>Checks the fields against each other; the message names the field and what was expected.</summary>
    public SwinConfig Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new ArgumentException($"Swin config: {msg}"); }
        Need(Family == "swin", $"family is '{Family}', expected 'swin'");
        Need(ImgSize > 0 && PatchSize > 0 && ImgSize % PatchSize == 0, $"img_size {ImgSize} must be a positive multiple of patch_size {PatchSize}");
        Need(InChans > 0, $"in_chans must be positive, got {InChans}");
        Need(NumClasses >= 0, $"num_classes must be >= 0, got {NumClasses}");
        Need(EmbedDim > 0, $"embed_dim must be positive, got {EmbedDim}");
        // JSON may set the lists to null.
        int[] depths = Depths ?? [], heads = NumHeads ?? [];
        Need(depths.Length > 0 && depths.All(d => d > 0), $"depths must list at least one positive block count, got [{Fmt(depths)}]");
        Need(heads.Length == depths.Length, $"num_heads [{Fmt(heads)}] must have one entry per stage of depths [{Fmt(depths)}]");
        for (int i = 0; i < depths.Length; i++)
            Need(heads[i] > 0 && StageDim(i) % heads[i] == 0, $"stage {i} has {StageDim(i)} channels (embed_dim {EmbedDim} * 2^{i}), not divisible by num_heads[{i}] = {heads[i]}");
        Need(WindowSize > 0, $"window_size must be positive, got {WindowSize}");
        Need(MlpRatio > 0, $"mlp_ratio must be positive, got {MlpRatio}");
        Need(DropRate is >= 0 and < 1 && ProjDropRate is >= 0 and < 1 && AttnDropRate is >= 0 and < 1 && DropPathRate is >= 0 and < 1,
            "drop_rate, proj_drop_rate, attn_drop_rate and drop_path_rate must be in [0, 1)");
        return this;
    }

    private static string Fmt(int[]? values) => string.Join(", ", values ?? []);

    // A record compares arrays by reference; configs with equal stage lists are the same architecture.
    public bool Equals(SwinConfig? other) =>
        other is not null && (ImgSize, PatchSize, InChans, NumClasses, EmbedDim, WindowSize, MlpRatio, QkvBias, Family)
            == (other.ImgSize, other.PatchSize, other.InChans, other.NumClasses, other.EmbedDim, other.WindowSize, other.MlpRatio, other.QkvBias, other.Family)
        && (DropRate, ProjDropRate, AttnDropRate, DropPathRate) == (other.DropRate, other.ProjDropRate, other.AttnDropRate, other.DropPathRate)
        && Depths.AsSpan().SequenceEqual(other.Depths) && NumHeads.AsSpan().SequenceEqual(other.NumHeads);

    public override int GetHashCode() => HashCode.Combine(ImgSize, PatchSize, EmbedDim, WindowSize, Fmt(Depths), Fmt(NumHeads));

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SwinConfig FromJson(string json, string source = "config")
    {
        SwinConfig config;
        try { config = JsonSerializer.Deserialize<SwinConfig>(json, Json) ?? throw new ArgumentException($"{source}: empty Swin config"); }
        catch (JsonException e) { throw new ArgumentException($"{source}: invalid Swin config ({e.Message})", e); }
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{source}: {e.Message}", e); }
    }
}
