using System.Globalization;
using System.Text.Json;

namespace Vitrum.Data.Transforms;

/// <summary>
/// How images are prepared for a model at evaluation and prediction time (timm's pretrained-config fields):
/// resize the shorter side to size / crop_pct, take the central size x size, normalize per channel. Stored
/// in a checkpoint's metadata by the trainer, so <c>predict</c> prepares images as training's test split was.
/// </summary>
public sealed record Preprocess(float[] Mean, float[] Std, double CropPct = 1.0)
{
    /// <summary>timm's IMAGENET_INCEPTION_MEAN/STD and crop 0.9: what timm's vit_* weights expect.</summary>
    public static Preprocess Inception => new(new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.5f, 0.5f, 0.5f }, 0.9);

    /// <summary>timm's IMAGENET_DEFAULT_MEAN/STD (DeiT's and torchvision's) with crop 0.875.</summary>
    public static Preprocess ImagenetDefault => new(new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f }, 0.875);

    /// <summary>What an image without recorded statistics gets: ImageNet's for 3 channels, a plain 0.5 / 0.5 otherwise.</summary>
    public static Preprocess ForChannels(int channels) => channels == 3 ? ImagenetDefault
        : new(Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.5f, channels).ToArray());

    public Normalize Normalize => new(Mean, Std);

    public IImageTransform[] Transforms(int size) =>
        new IImageTransform[] { new ResizeShorter((int)Math.Floor(size / CropPct + 1e-9)), new CenterCrop(size, size), Normalize };

    public Dictionary<string, string> ToMetadata() => new()
    {
        ["mean"] = JsonSerializer.Serialize(Mean),
        ["std"] = JsonSerializer.Serialize(Std),
        ["crop_pct"] = CropPct.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The preprocessing recorded in checkpoint metadata, or null when it holds none.</summary>
    /// <exception cref="FormatException">the fields are present but malformed (the message names the source)</exception>
    public static Preprocess? FromMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        if (!meta.TryGetValue("mean", out var mean) || !meta.TryGetValue("std", out var std)) return null;
        try
        {
            var m = JsonSerializer.Deserialize<float[]>(mean) ?? throw new FormatException("null mean");
            var s = JsonSerializer.Deserialize<float[]>(std) ?? throw new FormatException("null std");
            double crop = meta.TryGetValue("crop_pct", out var c) ? double.Parse(c, CultureInfo.InvariantCulture) : 1.0;
            if (m.Length != s.Length || m.Length == 0 || s.Any(v => v <= 0) || crop is <= 0 or > 1) throw new FormatException("inconsistent values");
            return new Preprocess(m, s, crop);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new DataFormatException(source, $"metadata mean/std/crop_pct are malformed ({e.Message})", e);
        }
    }
}
