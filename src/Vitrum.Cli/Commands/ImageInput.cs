using System.Text.Json;
using Vitrum.Data;
using Vitrum.Data.Images;
using Vitrum.Data.Transforms;
using Vitrum.Tensors;

namespace Vitrum.Cli.Commands;

/// <summary>Image files prepared for a model as its test split was: preprocessing and class names from the weights' metadata.</summary>
public static class ImageInput
{
    /// <summary>The preprocessing recorded in the weights, else the family's pretrained config (timm's <c>pretrained_cfg</c>).</summary>
    public static Preprocess PreprocessFor(ModelHandle model, string weights) =>
        Preprocess.FromMetadata(model.Metadata, Path.GetFileName(weights)) ?? model.Pretrained.ToPreprocess();

    /// <summary>Class names: the weights' "classes" metadata, else the named data set's, else the indices.</summary>
    public static string[] ClassNames(ModelHandle model, string? dataset, int count)
    {
        string[]? names = null;
        if (dataset != null) names = DatasetChoice.Classes(dataset);
        else if (model.Metadata.TryGetValue("classes", out var json))
        {
            try { names = JsonSerializer.Deserialize<string[]>(json); }
            catch (JsonException) { names = null; }
        }
        if (names == null) return Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (names.Length != count) throw new CliException($"{(dataset ?? "the weights' metadata")} names {names.Length} classes but the model predicts {count}");
        return names;
    }

    /// <summary>Decodes, checks the channel count, resizes and crops each image, then normalizes them into one batch.</summary>
    /// <param name="shown">each image after resize and crop, before normalization (for drawing over)</param>
    /// <returns>[N, C, size, size]</returns>
    public static Tensor Load(IReadOnlyList<string> paths, ModelHandle model, Preprocess pre, out ImageBuffer[] shown)
    {
        if (pre.Mean.Length != model.InChannels) throw new CliException($"the preprocessing has {pre.Mean.Length} channel means but the model takes {model.InChannels} channels");
        var tf = pre.Transforms(model.ImageSize);
        int size = model.ImageSize, per = model.InChannels * size * size;
        var batch = Tensor.Empty(new[] { paths.Count, model.InChannels, size, size });
        shown = new ImageBuffer[paths.Count];
        var gen = new Generator(0);
        for (int i = 0; i < paths.Count; i++)
        {
            if (!File.Exists(paths[i])) throw new CliException($"{paths[i]}: no such image file");
            var img = ImageFile.Load(paths[i]);
            if (img.ColorChannels != model.InChannels)
                throw new DataFormatException(Path.GetFileName(paths[i]), $"is a {(img.ColorChannels == 1 ? "grey" : "colour")} image ({img.ColorChannels} channel{(img.ColorChannels == 1 ? "" : "s")}) but the model expects {model.InChannels} channel{(model.InChannels == 1 ? "" : "s")}");
            var a = new ImageBuffer();
            var b = new ImageBuffer();
            img.ToBuffer(a);
            tf[0].Apply(a, b, gen);
            tf[1].Apply(b, a, gen);
            shown[i] = new ImageBuffer();
            a.Data.AsSpan(0, a.Length).CopyTo(shown[i].Resize(a.Channels, a.Height, a.Width));
            tf[2].Apply(a, b, gen);
            b.Data.AsSpan(0, per).CopyTo(batch.AsSpan().Slice(i * per, per));
        }
        return batch;
    }
}
