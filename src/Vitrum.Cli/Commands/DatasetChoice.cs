using Vitrum.Data.Datasets;
using Vitrum.Data.Transforms;

namespace Vitrum.Cli.Commands;

/// <summary>The data sets the CLI knows by name, image folders (any existing directory), and the transforms that fit a model.</summary>
public static class DatasetChoice
{
    public static readonly string[] Names = { "mnist", "fashion-mnist" };

    private static string Unknown(string name) =>
        $"unknown dataset '{name}' (known: {string.Join(", ", Names)}, or a directory with one subfolder of PNG/JPEG images per class)";

    /// <summary>Refuses a data set of another task (cmudict's words, detection boxes) for an image model, naming both.</summary>
    public static void RequireImages(string dataset, string model)
    {
        if (dataset == G2PTrainCommand.Dataset)
            throw new CliException($"--dataset {dataset} holds words for sequence-to-sequence models, but {model} classifies images (data sets: {string.Join(", ", Names)} or a folder of images)");
        if (DetectionDatasetChoice.IsDetection(dataset))
            throw new CliException($"--dataset {dataset} holds boxes for detection models (detr_digits, detr_resnet50), but {model} classifies images (data sets: {string.Join(", ", Names)} or a folder of images)");
    }

    /// <summary>
    /// The splits of a training run. MNIST and Fashion-MNIST validate on 5,000 images held out of their 60,000 training
    /// images (<see cref="ValidationSplit.MnistOneIn"/> of each class) and test on their 10,000; folders as
    /// <see cref="ImageFolder.LoadSplit"/> splits them.
    /// </summary>
    /// <param name="size">the model's image size: folder images are stored at it</param>
    public static ImageSplits Load(string name, int size, Action<string> log) => name switch
    {
        "mnist" => ImageSplits.HoldingOut(Mnist.Load(true, log), Mnist.Load(false, log), ValidationSplit.MnistOneIn, name),
        "fashion-mnist" => ImageSplits.HoldingOut(FashionMnist.Load(true, log), FashionMnist.Load(false, log), ValidationSplit.MnistOneIn, name),
        _ when ImageFolder.IsImageFolder(name) => ImageFolder.LoadSplit(name, size, log),
        _ => throw new CliException(Unknown(name)),
    };

    /// <summary>The split <c>eval</c> measures: a named set's test split, a folder's test/val split or all its images.</summary>
    /// <param name="channels">the model's colour channels: a folder's images are converted to them as PIL's convert does (the named sets are grey)</param>
    public static ImageClassificationData LoadTest(string name, int size, int channels, Action<string> log) => name switch
    {
        "mnist" => Mnist.Load(false, log),
        "fashion-mnist" => FashionMnist.Load(false, log),
        _ when ImageFolder.IsImageFolder(name) => ImageFolder.LoadForEvaluation(name, size, log, channels),
        _ => throw new CliException(Unknown(name)),
    };

    /// <summary>Class names without decoding any image.</summary>
    public static string[] Classes(string name) => name switch
    {
        "mnist" => Mnist.Classes,
        "fashion-mnist" => FashionMnist.Classes,
        _ when ImageFolder.IsImageFolder(name) => ImageFolder.Classes(name),
        _ => throw new CliException(Unknown(name)),
    };

    /// <summary>
    /// Evaluation preprocessing, recorded in the weights: MNIST's well-known 0.1307 / 0.3081, Fashion-MNIST's
    /// 0.2860 / 0.3530; folders ImageNet's statistics (colour) or 0.5 / 0.5 (grey). Crop 1: the whole image.
    /// </summary>
    public static Preprocess Preprocessing(string name, int channels) => name switch
    {
        "mnist" => new Preprocess(Enumerable.Repeat(0.1307f, channels).ToArray(), Enumerable.Repeat(0.3081f, channels).ToArray()),
        "fashion-mnist" => new Preprocess(Enumerable.Repeat(0.2860f, channels).ToArray(), Enumerable.Repeat(0.3530f, channels).ToArray()),
        _ => Preprocess.ForChannels(channels) with { CropPct = 1.0 },
    };

    /// <summary>
    /// Train: the grey sets get a random shift of up to <paramref name="shift"/> pixels (and flips for clothes); folders timm's
    /// random resized crop (scale 0.35-1) and flips. Both are resized to the model's size. Test: resize only, or with the
    /// crop of <paramref name="preprocess"/> below 1 its central crop_pct first, the region timm's evaluation (resize the
    /// shorter side to size / crop_pct, then crop the centre) and <c>predict</c> see.
    /// </summary>
    /// <param name="preprocess">the normalization and crop to follow (a fine-tuning run's pretrained weights'); null = the data set's own (<see cref="Preprocessing"/>)</param>
    public static (IImageTransform[] Train, IImageTransform[] Test) Transforms(string name, int channels, int size, int imageSize, int shift = 2, Preprocess? preprocess = null)
    {
        var norm = (preprocess ?? Preprocessing(name, channels)).Normalize;
        var train = new List<IImageTransform>();
        if (name is "mnist" or "fashion-mnist")
        {
            if (shift > 0) train.Add(new RandomCrop(shift));
        }
        else train.Add(new RandomResizedCrop(imageSize, imageSize, minScale: 0.35));
        if (name != "mnist") train.Add(new RandomHorizontalFlip());
        var test = new List<IImageTransform>();
        int crop = (int)Math.Round(imageSize * (preprocess?.CropPct ?? 1.0));
        if (crop < imageSize) test.Add(new CenterCrop(crop, crop));
        if (size != imageSize) train.Add(new Resize(size, size));
        if (size != crop) test.Add(new Resize(size, size));
        train.Add(norm);
        test.Add(norm);
        return (train.ToArray(), test.ToArray());
    }
}
