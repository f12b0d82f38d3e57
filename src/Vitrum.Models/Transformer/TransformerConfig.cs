// Attention Is All You Need (Vaswani et al., 2017); argument names of torch.nn.Transformer (PyTorch 1.13).
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vitrum.Models.Transformer;

/// <summary>
/// An encoder-decoder Transformer's architecture with torch.nn.Transformer's argument names (snake_case in
/// JSON, e.g. <c>{"family": "transformer", "src_vocab_size": 32, "tgt_vocab_size": 43, "d_model": 256, ...}</c>;
/// omitted fields take nn.Transformer's defaults, unknown fields are refused). Presets are in
/// <see cref="TransformerPresets"/>.
/// </summary>
public sealed record TransformerConfig : IModelConfig
{
    [JsonPropertyName("src_vocab_size")] public int SrcVocabSize { get; init; } = 32;
    [JsonPropertyName("tgt_vocab_size")] public int TgtVocabSize { get; init; } = 32;
    [JsonPropertyName("d_model")] public int DModel { get; init; } = 512;
    [JsonPropertyName("nhead")] public int NHead { get; init; } = 8;
    [JsonPropertyName("num_encoder_layers")] public int NumEncoderLayers { get; init; } = 6;
    [JsonPropertyName("num_decoder_layers")] public int NumDecoderLayers { get; init; } = 6;
    [JsonPropertyName("dim_feedforward")] public int DimFeedforward { get; init; } = 2048;
    /// <summary>Dropout on the embedding sums, inside attention (probabilities), in the feed-forward network and on every residual branch, as nn.Transformer.</summary>
    [JsonPropertyName("dropout")] public double Dropout { get; init; } = 0.1;
    /// <summary>The padding token: masked as a key in every attention and given no embedding gradient.</summary>
    [JsonPropertyName("pad_id")] public int PadId { get; init; }
    /// <summary>Pre-norm (LayerNorm before each sublayer) instead of the paper's post-norm.</summary>
    [JsonPropertyName("norm_first")] public bool NormFirst { get; init; }
    /// <summary>"relu" or "gelu" (exact erf form, as torch's F.gelu).</summary>
    [JsonPropertyName("activation")] public string Activation { get; init; } = "relu";
    /// <summary>One embedding table for source and target (needs equal vocabulary sizes); its key is <c>src_embed.weight</c>.</summary>
    [JsonPropertyName("share_embeddings")] public bool ShareEmbeddings { get; init; }
    /// <summary>The output projection reuses the target embedding as its weight (no <c>generator.weight</c> key).</summary>
    [JsonPropertyName("tie_output")] public bool TieOutput { get; init; }
    /// <summary>The longest source or target sequence: the size of the sinusoidal position table.</summary>
    [JsonPropertyName("max_len")] public int MaxLen { get; init; } = 512;
    [JsonPropertyName("family")] public string Family { get; init; } = "transformer";

    /// <summary>Checks the fields against each other; the message names the field and what was expected.</summary>
    public TransformerConfig Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new ArgumentException($"Transformer config: {msg}"); }
        Need(Family == "transformer", $"family is '{Family}', expected 'transformer'");
        Need(SrcVocabSize > 0 && TgtVocabSize > 0, $"src_vocab_size {SrcVocabSize} and tgt_vocab_size {TgtVocabSize} must be positive");
        Need(DModel > 0 && NHead > 0 && DModel % NHead == 0, $"d_model {DModel} must be divisible by nhead {NHead}");
        Need(DModel % 2 == 0, $"d_model {DModel} must be even (the sinusoidal encoding pairs sin and cos dimensions)");
        Need(NumEncoderLayers >= 0 && NumDecoderLayers >= 0, $"num_encoder_layers {NumEncoderLayers} and num_decoder_layers {NumDecoderLayers} must be >= 0");
        Need(DimFeedforward > 0, $"dim_feedforward must be positive, got {DimFeedforward}");
        Need(Dropout is >= 0 and < 1, $"dropout must be in [0, 1), got {Dropout}");
        Need(PadId >= 0 && PadId < SrcVocabSize && PadId < TgtVocabSize, $"pad_id {PadId} must be a token of both vocabularies (sizes {SrcVocabSize}, {TgtVocabSize})");
        Need(Activation is "relu" or "gelu", $"activation is '{Activation}', expected 'relu' or 'gelu'");
        Need(!ShareEmbeddings || SrcVocabSize == TgtVocabSize, $"share_embeddings needs src_vocab_size {SrcVocabSize} == tgt_vocab_size {TgtVocabSize}");
        Need(MaxLen > 0, $"max_len must be positive, got {MaxLen}");
        return this;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TransformerConfig FromJson(string json, string source = "config")
    {
        TransformerConfig config;
        try { config = JsonSerializer.Deserialize<TransformerConfig>(json, Json) ?? throw new ArgumentException($"{source}: empty Transformer config"); }
        catch (JsonException e) { throw new ArgumentException($"{source}: invalid Transformer config ({e.Message})", e); }
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{source}: {e.Message}", e); }
    }
}
