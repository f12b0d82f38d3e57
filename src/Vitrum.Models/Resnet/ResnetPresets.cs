namespace Vitrum.Models.Resnet;

/// <summary>Named ResNets with torchvision's arguments (models/resnet.py registrations) and one for 28x28 grey images.</summary>
public static class ResnetPresets
{
    private static readonly ResnetConfig Imagenet = new();

    public static readonly ResnetConfig Resnet18 = Imagenet with { Block = ResnetConfig.Basic, Layers = new[] { 2, 2, 2, 2 } };
    public static readonly ResnetConfig Resnet34 = Imagenet with { Block = ResnetConfig.Basic, Layers = new[] { 3, 4, 6, 3 } };
    public static readonly ResnetConfig Resnet50 = Imagenet with { Block = ResnetConfig.Bottleneck, Layers = new[] { 3, 4, 6, 3 } };
    public static readonly ResnetConfig Resnet101 = Imagenet with { Block = ResnetConfig.Bottleneck, Layers = new[] { 3, 4, 23, 3 } };
    public static readonly ResnetConfig Resnet152 = Imagenet with { Block = ResnetConfig.Bottleneck, Layers = new[] { 3, 8, 36, 3 } };

    /// <summary>
    /// MNIST and Fashion-MNIST (28x28x1, 10 classes): resnet18's stem and one basic block per stage at a quarter of
    /// its widths (16, 32, 64, 128); the stem and max pool bring 28x28 to 7x7, the stages to 7, 4, 2 and 1.
    /// </summary>
    public static readonly ResnetConfig ResnetMnist = new()
    {
        ImgSize = 28, InChans = 1, NumClasses = 10, Block = ResnetConfig.Basic, Layers = new[] { 1, 1, 1, 1 },
        Channels = new[] { 16, 32, 64, 128 }, StemWidth = 16,
    };

    /// <summary>Every preset by its name.</summary>
    public static IReadOnlyDictionary<string, ResnetConfig> All { get; } = new Dictionary<string, ResnetConfig>(StringComparer.Ordinal)
    {
        ["resnet18"] = Resnet18,
        ["resnet34"] = Resnet34,
        ["resnet50"] = Resnet50,
        ["resnet101"] = Resnet101,
        ["resnet152"] = Resnet152,
        ["resnet_mnist"] = ResnetMnist,
    };
}
