// Attention Is All You Need (Vaswani et al., 2017), table 3; Transformer grapheme-to-phoneme models in the manner of
// Yolchuyeva et al. (2019), "Transformer based Grapheme-to-Phoneme Conversion", sized here for a CPU budget.
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
    /// Grapheme-to-phoneme on CMUdict: 31 graphemes in (token ids 0 pad, 1 bos, 2 eos, 3 unk, then a-z and the
    /// apostrophe), 43 phoneme tokens out (the specials, then the 39 ARPAbet phonemes without stress). d_model
    /// 128, 4 heads, 3 + 3 layers, FFN 768 (1.8M parameters): width 256 (5.6M) costs 1.6x more per token even
    /// in PyTorch on this 2-core CPU (4,400 vs 6,900 tokens/s), and a 60-minute budget is a few epochs only.
    /// FFN 768 costs ~1.25x FFN 512 per step and validated better after 56 epochs (25.28% WER) than FFN 512
    /// after 70 (25.41%) in the same time.
    /// Pre-norm, so the Noam schedule's short warmup and high peak rate of a small-data run train stably.
    /// </summary>
    public static readonly TransformerConfig G2pTransformer = new()
    {
        SrcVocabSize = 31, TgtVocabSize = 43, DModel = 128, NHead = 4, NumEncoderLayers = 3, NumDecoderLayers = 3,
        DimFeedforward = 768, Dropout = 0.1, PadId = 0, NormFirst = true, Activation = "relu", MaxLen = 64,
    };

    /// <summary>Every preset by its name.</summary>
    public static IReadOnlyDictionary<string, TransformerConfig> All { get; } = new Dictionary<string, TransformerConfig>(StringComparer.Ordinal)
    {
        ["transformer_base"] = TransformerBase,
        ["g2p_transformer"] = G2pTransformer,
    };
}
