namespace Vitrum.Models.Transformer;

/// <summary>Named encoder-decoder Transformers.</summary>
public static class TransformerPresets
{
    /// <summary>"Attention Is All You Need", base model (Vaswani et al., 2017, table 3), with a placeholder 32k shared vocabulary.</summary>
    public static readonly TransformerConfig TransformerBase = new()
    {
        SrcVocabSize = 32000, TgtVocabSize = 32000, DModel = 512, NHead = 8, NumEncoderLayers = 6, NumDecoderLayers = 6,
        DimFeedforward = 2048, Dropout = 0.1,
    };

    /// <summary>
    /// Grapheme-to-phoneme on CMUdict: letters in (token ids 0 pad, 1 bos, 2 eos, 3 unk, then symbols),
    /// ARPAbet phonemes out. d_model 256, 4 heads, 3 + 3 layers, FFN 1024 (about 5.6M parameters).
    /// </summary>
    public static readonly TransformerConfig G2pTransformer = new()
    {
        SrcVocabSize = 31, TgtVocabSize = 43, DModel = 256, NHead = 4, NumEncoderLayers = 3, NumDecoderLayers = 3,
        DimFeedforward = 1024, Dropout = 0.1, PadId = 0, NormFirst = false, Activation = "relu", MaxLen = 64,
    };

    /// <summary>Every preset by its name.</summary>
    public static IReadOnlyDictionary<string, TransformerConfig> All { get; } = new Dictionary<string, TransformerConfig>(StringComparer.Ordinal)
    {
        ["transformer_base"] = TransformerBase,
        ["g2p_transformer"] = G2pTransformer,
    };
}
