using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// What <c>train</c> does to fit an image model to a data set and to start it from pretrained weights, as timm's
/// train.py does with <c>--num-classes</c>, <c>--img-size</c> and <c>--pretrained</c>/<c>--initial-checkpoint</c>:
/// the classifier sized to the data set's classes, the input size set, the weights loaded through the family's filter
/// with a head of another class count re-initialised, and the preprocessing the weights were trained with followed.
/// </summary>
public static class FineTune
{
    /// <summary>
    /// The run's config: <paramref name="imgSize"/> when given, and a classifier of <paramref name="numClasses"/> outputs,
    /// by default the data set's class count (a preset's 1000-way head is replaced).
    /// </summary>
    /// <exception cref="CliException">fewer classes than the data set has, or a size the architecture refuses</exception>
    public static IModelConfig Config(IModelConfig config, string dataset, int? numClasses, int? imgSize)
    {
        var family = ModelRegistry.Family(config);
        var names = DatasetChoice.Classes(dataset);
        if (numClasses is int n && n < names.Length)
            throw new CliException($"--num-classes {n} is fewer than the {names.Length} classes of {dataset} ({Listed(names)})");
        try
        {
            if (imgSize is int size) config = family.WithImageSize(config, size);
            int outputs = numClasses ?? names.Length;
            return family.Pretrained(config)?.NumClasses == outputs ? config : family.WithClasses(config, outputs);
        }
        catch (ArgumentException e) { throw new CliException(imgSize != null ? $"--img-size {imgSize}: {e.Message}" : e.Message); }
    }

    /// <summary>
    /// Loads <paramref name="path"/> (any layout the family's filter reads, or a Vitrum weights file) into the fresh
    /// <paramref name="model"/>, logging one line when the head is re-initialised, and returns the preprocessing the
    /// weights expect: the one they record, else the family's pretrained config.
    /// </summary>
    /// <exception cref="CliException">the weights are not of this architecture (the message names the keys)</exception>
    public static Preprocess LoadPretrained(ModelHandle model, string path, Action<string> log)
    {
        var tensors = WeightsFile.ReadWithMetadata(path, out var metadata);
        var name = Path.GetFileName(path);
        PretrainedLoad loaded;
        try { loaded = model.Instance.LoadPretrained(tensors, name); }
        catch (ArgumentException e) { throw new CliException($"--pretrained {e.Message}"); }
        if (loaded.HeadReinitialised) log(loaded.HeadLine);
        return ImageClassifier.PreprocessFor(metadata, model.Pretrained, name);
    }

    private static string Listed(string[] names) =>
        names.Length <= 8 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(8))}, ... {names.Length - 8} more";
}
