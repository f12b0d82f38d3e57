namespace Vitrum.Models.Swin;

/// <summary>Named Swin architectures with timm's arguments (swin_transformer.py registrations) and one for 28x28 grey images.</summary>
public static class SwinPresets
{
    private static readonly SwinConfig Imagenet = new();

    public static readonly SwinConfig SwinTinyPatch4Window7_224 = Imagenet with { EmbedDim = 96, Depths = new[] { 2, 2, 6, 2 }, NumHeads = new[] { 3, 6, 12, 24 } };
    public static readonly SwinConfig SwinSmallPatch4Window7_224 = Imagenet with { EmbedDim = 96, Depths = new[] { 2, 2, 18, 2 }, NumHeads = new[] { 3, 6, 12, 24 } };
    public static readonly SwinConfig SwinBasePatch4Window7_224 = Imagenet with { EmbedDim = 128, Depths = new[] { 2, 2, 18, 2 }, NumHeads = new[] { 4, 8, 16, 32 } };

    /// <summary>
    /// MNIST and Fashion-MNIST (28x28x1, 10 classes): 2x2 patches give a 14x14 map, cut into four 7x7 windows
    /// (shifted by 3 in every second block); patch merging makes it one 7x7 window of width 64 (no shift).
    /// Two stages of depth 2 and 6 with head width 16: 0.33M parameters and 22.7M multiply-accumulates per image
    /// forward, so the 7x7 windows, not the width, set the cost.
    /// </summary>
    public static readonly SwinConfig SwinMnist = new()
    {
        ImgSize = 28, PatchSize = 2, InChans = 1, NumClasses = 10, EmbedDim = 32, Depths = new[] { 2, 6 }, NumHeads = new[] { 2, 4 },
        WindowSize = 7, MlpRatio = 4, DropPathRate = 0.1,
    };

    /// <summary>Every preset by its name.</summary>
    public static IReadOnlyDictionary<string, SwinConfig> All { get; } = new Dictionary<string, SwinConfig>(StringComparer.Ordinal)
    {
        ["swin_tiny_patch4_window7_224"] = SwinTinyPatch4Window7_224,
        ["swin_small_patch4_window7_224"] = SwinSmallPatch4Window7_224,
        ["swin_base_patch4_window7_224"] = SwinBasePatch4Window7_224,
        ["swin_mnist"] = SwinMnist,
    };
}
