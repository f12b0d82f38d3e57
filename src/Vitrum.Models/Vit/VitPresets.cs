namespace Vitrum.Models.Vit;

/// <summary>Named ViT architectures with timm's arguments (vision_transformer.py and deit.py registrations).</summary>
public static class VitPresets
{
    private static readonly VitConfig Imagenet = new();

    public static readonly VitConfig VitTinyPatch16_224 = Imagenet with { PatchSize = 16, EmbedDim = 192, Depth = 12, NumHeads = 3 };
    public static readonly VitConfig VitSmallPatch16_224 = Imagenet with { PatchSize = 16, EmbedDim = 384, Depth = 12, NumHeads = 6 };
    public static readonly VitConfig VitBasePatch16_224 = Imagenet with { PatchSize = 16, EmbedDim = 768, Depth = 12, NumHeads = 12 };
    public static readonly VitConfig VitBasePatch32_224 = Imagenet with { PatchSize = 32, EmbedDim = 768, Depth = 12, NumHeads = 12 };

    // DeiT (Touvron et al., 2021) keeps ViT's architecture and changes the training recipe only.
    public static readonly VitConfig DeitTinyPatch16_224 = VitTinyPatch16_224;
    public static readonly VitConfig DeitSmallPatch16_224 = VitSmallPatch16_224;

    /// <summary>
    /// MNIST (28x28x1, 10 classes): 4x4 patches give 49 tokens plus the class token; 6 blocks of width 64
    /// (4 heads of 16) with MLP ratio 2 are 0.21M parameters and ~0.07 GFLOP per image forward and backward,
    /// half the cost of width 96, so more epochs fit a CPU budget (steps, not width, limit accuracy here).
    /// </summary>
    public static readonly VitConfig VitMnist = new()
    {
        ImgSize = 28, PatchSize = 4, InChans = 1, NumClasses = 10, EmbedDim = 64, Depth = 6, NumHeads = 4, MlpRatio = 2,
    };

    /// <summary>Every preset by its name.</summary>
    public static IReadOnlyDictionary<string, VitConfig> All { get; } = new Dictionary<string, VitConfig>(StringComparer.Ordinal)
    {
        ["vit_tiny_patch16_224"] = VitTinyPatch16_224,
        ["vit_small_patch16_224"] = VitSmallPatch16_224,
        ["vit_base_patch16_224"] = VitBasePatch16_224,
        ["vit_base_patch32_224"] = VitBasePatch32_224,
        ["deit_tiny_patch16_224"] = DeitTinyPatch16_224,
        ["deit_small_patch16_224"] = DeitSmallPatch16_224,
        ["vit_mnist"] = VitMnist,
    };
}
