using Vitrum.Data.Transforms;
using Vitrum.Tensors;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>Image files prepared for a model as its test split was: preprocessing and class names from the weights' metadata.</summary>
public static class ImageInput
{
    /// <summary>The recorded preprocessing, else the family's pretrained config (<see cref="ImageClassifier.PreprocessFor"/>).</summary>
    public static Preprocess PreprocessFor(ModelHandle model, string weights) =>
        ImageClassifier.PreprocessFor(model.Metadata, model.Pretrained, Path.GetFileName(weights));

    /// <summary>Class names: the named data set's, else the weights' "classes" metadata, else the indices.</summary>
    public static string[] ClassNames(ModelHandle model, string? dataset, int count)
    {
        if (dataset == null) return ImageClassifier.ClassNames(model.Metadata, count, "the weights' metadata");
        var names = DatasetChoice.Classes(dataset);
        if (names.Length != count) throw new CliException($"{dataset} names {names.Length} classes but the model predicts {count}", ExitCodes.Failure);
        return names;
    }

    /// <summary>Decodes, checks the channel count, resizes and crops each image, then normalizes them into one batch.</summary>
    /// <param name="shown">each image after resize and crop, before normalization (for drawing over)</param>
    /// <returns>[N, C, size, size]</returns>
    public static Tensor Load(IReadOnlyList<string> paths, ModelHandle model, Preprocess pre, out ImageBuffer[] shown)
    {
        foreach (var p in paths)
            if (!File.Exists(p)) throw new CliException($"{p}: no such image file");
        return pre.LoadBatch(paths, model.InChannels, model.ImageSize, out shown);
    }
}
