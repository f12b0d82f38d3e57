namespace Vitrum.Models.Detr;

/// <summary>Named DETRs: the official COCO models (hubconf.py's detr_resnet50, detr_resnet101, detr_resnet50_dc5) and one for digit scenes.</summary>
public static class DetrPresets
{
    /// <summary>main.py's defaults: resnet50, 256 hidden, 8 heads, 6 + 6 layers, ffn 2048, 100 queries, COCO's 91 classes.</summary>
    public static readonly DetrConfig DetrResnet50 = new();
    public static readonly DetrConfig DetrResnet101 = DetrResnet50 with { Backbone = "resnet101" };
    public static readonly DetrConfig DetrResnet50Dc5 = DetrResnet50 with { Dilation = true };

    /// <summary>Every preset by its name.</summary>
    public static IReadOnlyDictionary<string, DetrConfig> All { get; } = new Dictionary<string, DetrConfig>(StringComparer.Ordinal)
    {
        ["detr_resnet50"] = DetrResnet50,
        ["detr_resnet101"] = DetrResnet101,
        ["detr_resnet50_dc5"] = DetrResnet50Dc5,
    };
}
