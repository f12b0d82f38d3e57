namespace Vitrum.Models.Tnt;

/// <summary>Named TNT architectures with timm's arguments (tnt.py registrations), and one for 28x28 grey images.</summary>
public static class TntPresets
{
    private static readonly TntConfig Imagenet = new();

    public static readonly TntConfig TntSPatch16_224 = Imagenet with { PatchSize = 16, EmbedDim = 384, InnerDim = 24, Depth = 12, NumHeadsOuter = 6 };
    public static readonly TntConfig TntSLegacyPatch16_224 = TntSPatch16_224 with { Legacy = true };
    public static readonly TntConfig TntBPatch16_224 = Imagenet with { PatchSize = 16, EmbedDim = 640, InnerDim = 40, Depth = 12, NumHeadsOuter = 10 };

    /// <summary>
    /// MNIST / Fashion-MNIST (28x28x1, 10 classes): vit_mnist's outer transformer (49 patches of 4x4, width 64,
    /// 4 heads, MLP ratio 2, 6 blocks) with 4 pixel tokens per patch of width 16 (a stride-2 convolution).
    /// </summary>
    public static readonly TntConfig TntMnist = new()
    {
        ImgSize = 28, PatchSize = 4, InChans = 1, NumClasses = 10, EmbedDim = 64, InnerDim = 16, Depth = 6,
        NumHeadsInner = 2, NumHeadsOuter = 4, MlpRatio = 2, FirstStride = 2,
    };

    /// <summary>Every preset by its name.</summary>
    public static IReadOnlyDictionary<string, TntConfig> All { get; } = new Dictionary<string, TntConfig>(StringComparer.Ordinal)
    {
        ["tnt_s_patch16_224"] = TntSPatch16_224,
        ["tnt_s_legacy_patch16_224"] = TntSLegacyPatch16_224,
        ["tnt_b_patch16_224"] = TntBPatch16_224,
        ["tnt_mnist"] = TntMnist,
    };
}
