using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Tensors;

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

    /// <summary>
    /// Reads image files and prepares them into one batch: each is decoded, converted to the model's channels as
    /// PIL's convert("L") / convert("RGB") does (<see cref="DecodedImage.ToColorChannels"/>), resized, cropped and
    /// normalized.
    /// </summary>
    /// <param name="channels">the colour channels the model takes (1 or 3)</param>
    /// <param name="size">the model's input side</param>
    /// <param name="shown">each image after resize and crop, before normalization (for drawing over)</param>
    /// <returns>[N, channels, size, size]</returns>
    /// <exception cref="ArgumentException">the mean has another channel count than the model, or <paramref name="channels"/> is not 1 or 3</exception>
    /// <exception cref="FileNotFoundException">a file does not exist</exception>
    /// <exception cref="DataFormatException">a file is not an image read or is malformed (the message names it)</exception>
    public Tensor LoadBatch(IReadOnlyList<string> paths, int channels, int size, out ImageBuffer[] shown)
    {
        if (Mean.Length != channels) throw new ArgumentException($"the preprocessing has {Mean.Length} channel means but the model takes {channels} channels");
        var tf = Transforms(size);
        int per = channels * size * size;
        var batch = Tensor.Empty(new[] { paths.Count, channels, size, size });
        shown = new ImageBuffer[paths.Count];
        var gen = new Generator(0);
        for (int i = 0; i < paths.Count; i++)
        {
            if (!File.Exists(paths[i])) throw new FileNotFoundException($"{paths[i]}: no such image file", paths[i]);
            var a = new ImageBuffer();
            var b = new ImageBuffer();
            ImageFile.Load(paths[i]).ToColorChannels(channels).ToBuffer(a);
            tf[0].Apply(a, b, gen);
            tf[1].Apply(b, a, gen);
            shown[i] = new ImageBuffer();
            a.Data.AsSpan(0, a.Length).CopyTo(shown[i].Resize(a.Channels, a.Height, a.Width));
            tf[2].Apply(a, b, gen);
            b.Data.AsSpan(0, per).CopyTo(batch.AsSpan().Slice(i * per, per));
        }
        return batch;
    }

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
