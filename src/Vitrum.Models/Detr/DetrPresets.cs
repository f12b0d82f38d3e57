namespace Vitrum.Models.Detr;

/// <summary>Named DETRs: the official COCO models (hubconf.py's detr_resnet50, detr_resnet101, detr_resnet50_dc5) and one for digit scenes.</summary>
public static class DetrPresets
{
    /// <summary>main.py's defaults: resnet50, 256 hidden, 8 heads, 6 + 6 layers, ffn 2048, 100 queries, COCO's 91 classes.</summary>
    public static readonly DetrConfig DetrResnet50 = new();
    public static readonly DetrConfig DetrResnet101 = DetrResnet50 with { Backbone = "resnet101" };
    public static readonly DetrConfig DetrResnet50Dc5 = DetrResnet50 with { Dilation = true };

    /// <summary>
    /// Digit scenes (MNIST digits on grey canvases, 128 x 128; category ids 1-10, so num_classes 11 as COCO's ids 1-90 take 91): the resnet_mnist backbone (grey input,
    /// one basic block per stage at widths 16..128) with its last stage dilated (DC5; for one-block stages simply no
    /// stride), so the map is 8 x 8 at stride 16: at stride 32 a 4 x 4 map of 32-pixel cells is too coarse for digits
    /// of 16-48 pixels (DETR stayed at "no object" on it). The backbone can be pretrained as that very preset on MNIST
    /// and loaded with <see cref="DetrCheckpointFilter.BackboneFromResnet"/> (dilation changes no weight); a transformer
    /// of width 128, 4 heads, 3 + 3 layers, ffn 512, and 20 queries (more than the digits of a scene). 1.7M parameters.
    /// </summary>
    public static readonly DetrConfig DetrDigits = new()
    {
        Backbone = "resnet_mnist", HiddenDim = 128, NHeads = 4, EncLayers = 3, DecLayers = 3, DimFeedforward = 512, NumQueries = 20,
        NumClasses = 11, ImgSize = 128, MaxSize = 128, Dilation = true,
    };

    /// <summary>Every preset by its name.</summary>
    public static IReadOnlyDictionary<string, DetrConfig> All { get; } = new Dictionary<string, DetrConfig>(StringComparer.Ordinal)
    {
        ["detr_resnet50"] = DetrResnet50,
        ["detr_resnet101"] = DetrResnet101,
        ["detr_resnet50_dc5"] = DetrResnet50Dc5,
        ["detr_digits"] = DetrDigits,
    };
}
