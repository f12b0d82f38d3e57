using Vitrum.Data.Datasets;
using Vitrum.Data.Transforms;

namespace Vitrum.Cli.Commands;

/// <summary>The data sets the CLI knows by name, with the transforms that fit a model's input size.</summary>
public static class DatasetChoice
{
    public static readonly string[] Names = { "mnist", "fashion-mnist" };

    public static (ImageClassificationData Train, ImageClassificationData Test) Load(string name, Action<string> log) => name switch
    {
        "mnist" => (Mnist.Load(true, log), Mnist.Load(false, log)),
        "fashion-mnist" => (FashionMnist.Load(true, log), FashionMnist.Load(false, log)),
        _ => throw new CliException($"unknown dataset '{name}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>Per-channel statistics of the grey data sets (MNIST's well-known 0.1307 / 0.3081; Fashion-MNIST 0.2860 / 0.3530).</summary>
    private static (float Mean, float Std) Stats(string name) => name == "fashion-mnist" ? (0.2860f, 0.3530f) : (0.1307f, 0.3081f);

    /// <summary>Train: a random shift of up to 2 pixels (and flips for clothes), resized to the model's size; test: resize only.</summary>
    public static (IImageTransform[] Train, IImageTransform[] Test) Transforms(string name, int channels, int size, int imageSize)
    {
        var (mean, std) = Stats(name);
        var norm = new Normalize(Enumerable.Repeat(mean, channels).ToArray(), Enumerable.Repeat(std, channels).ToArray());
        var train = new List<IImageTransform> { new RandomCrop(2) };
        if (name == "fashion-mnist") train.Add(new RandomHorizontalFlip());
        var test = new List<IImageTransform>();
        if (size != imageSize) { train.Add(new Resize(size, size)); test.Add(new Resize(size, size)); }
        train.Add(norm);
        test.Add(norm);
        return (train.ToArray(), test.ToArray());
    }
}
