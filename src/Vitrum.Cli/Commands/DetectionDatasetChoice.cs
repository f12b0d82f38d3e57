using Vitrum.Data;
using Vitrum.Data.Detection;
using Vitrum.Models;
using Vitrum.Training.Tasks;
using DetrNormalize = Vitrum.Data.Detection.Normalize;
using Preprocess = Vitrum.Data.Transforms.Preprocess;

namespace Vitrum.Cli.Commands;

/// <summary>
/// The detection data sets of <c>train</c> and <c>eval</c>: <c>digit-scenes</c> (built and cached on first use) and
/// COCO folders: a directory with <c>annotations/{train,val,test}.json</c> and the images of each split in
/// <c>{train,val,test}/</c> (the digit scenes' layout), or COCO 2017's <c>annotations/instances_{train,val}2017.json</c>
/// with <c>{train,val}2017/</c>.
/// </summary>
public static class DetectionDatasetChoice
{
    public const string DigitScenesName = "digit-scenes";
    public static readonly string[] Names = { DigitScenesName };

    /// <summary>Whether <paramref name="name"/> is a detection data set (a name above, or a folder with COCO annotations).</summary>
    public static bool IsDetection(string name) => Names.Contains(name, StringComparer.Ordinal) || (Directory.Exists(name) && Directory.Exists(Path.Combine(name, "annotations")));

    /// <summary>The annotation file and image folder of <paramref name="split"/> ("train", "val", "test") in a COCO folder, or null when it has none.</summary>
    public static (string Annotations, string Images)? SplitFiles(string dir, string split)
    {
        foreach (var (json, images) in new[] { ($"{split}.json", split), ($"instances_{split}2017.json", $"{split}2017") })
        {
            var file = Path.Combine(dir, "annotations", json);
            if (File.Exists(file)) return (file, Path.Combine(dir, images));
        }
        return null;
    }

    private static DetectionDataset? Open(string name, string split, int channels, Action<string> log)
    {
        if (name == DigitScenesName)
            return DigitScenes.Load(Enum.Parse<DigitScenesSplit>(split, ignoreCase: true), log, channels);
        if (!IsDetection(name))
            throw new CliException($"--dataset {name} is not a detection data set: give {string.Join(", ", Names)} or a folder with annotations/{{train,val,test}}.json (COCO format) and the images in {{train,val,test}}/");
        if (SplitFiles(name, split) is not var (json, images)) return null;
        try { return DetectionDataset.Open(json, images, channels); }
        catch (DataFormatException e) { throw new CliException(e.Message, ExitCodes.Failure); }
    }

    /// <summary>The train, val and (when present) test splits, images converted to <paramref name="channels"/>.</summary>
    public static (DetectionDataset Train, DetectionDataset Val, DetectionDataset? Test) Load(string name, int channels, Action<string> log)
    {
        var train = Open(name, "train", channels, log) ?? throw new CliException($"--dataset {name}: no annotations/train.json (or instances_train2017.json) to train on");
        var val = Open(name, "val", channels, log) ?? throw new CliException($"--dataset {name}: no annotations/val.json (or instances_val2017.json) to validate on");
        var test = Open(name, "test", channels, log);
        if (test == null) log($"note: {name} has no test split (annotations/test.json): the run reports no test figures");
        return (train, val, test);
    }

    /// <summary>The split <c>eval</c> scores: the test split, else the validation split (COCO 2017 publishes no test annotations).</summary>
    public static DetectionDataset LoadTest(string name, int channels, Action<string> log)
    {
        if (Open(name, "test", channels, log) is { } test) return test;
        log($"note: {name} has no test split: scoring its val split");
        return Open(name, "val", channels, log) ?? throw new CliException($"--dataset {name}: no annotations/test.json or val.json to evaluate on");
    }

    /// <summary>The largest category id + 1: DETR's num_classes for a data set (COCO's ids 1-90 give 91, the digit scenes' 1-10 give 11).</summary>
    public static int NumClasses(DetectionDataset data) => (int)Math.Max(1, data.Coco.Categories.Select(c => c.Id).DefaultIfEmpty(0).Max() + 1);

    /// <summary>The digit scenes are MNIST digits: MNIST's statistics, so a backbone pretrained on MNIST sees what it learned on; folders the model's.</summary>
    public static Preprocess Preprocessing(string name, PretrainedCfg model) =>
        name == DigitScenesName && model.InChans == 1 ? new Preprocess(new[] { 0.1307f }, new[] { 0.3081f }) : model.ToPreprocess() with { CropPct = 1.0 };

    /// <summary>
    /// The training and evaluation pipelines. Digit scenes: none beyond the normalization (the canvases are already the
    /// model's size, and a mirrored digit is another glyph). Folders: DETR's make_coco_transforms with its sizes scaled
    /// from 800 to the model's img_size: flip, then either a resize of the shorter side to one of 480..800 or a resize
    /// to 400..600 and a random crop of 384..600 followed by that resize, the longer side capped at max_size; evaluation
    /// resizes to img_size.
    /// </summary>
    public static DetectionData Data(string name, (DetectionDataset Train, DetectionDataset Val, DetectionDataset? Test) splits, PretrainedCfg model, Preprocess preprocess)
    {
        var (train, eval) = Transforms(name, model, preprocess);
        return new DetectionData(splits.Train, splits.Val, splits.Test, train, eval);
    }

    public static (IDetectionTransform Train, IDetectionTransform Eval) Transforms(string name, PretrainedCfg model, Preprocess preprocess)
    {
        var norm = new DetrNormalize(preprocess.Mean, preprocess.Std);
        if (name == DigitScenesName) return (new Compose(norm), new Compose(norm));
        int S(int v) => Math.Max(1, (int)Math.Round(v * model.ImageSize / 800.0));
        int max = model.MaxSize ?? model.ImageSize;
        var scales = Enumerable.Range(0, 11).Select(i => S(480 + 32 * i)).ToArray();
        var train = new Compose(new RandomHorizontalFlip(),
            new RandomSelect(new RandomResize(scales, max),
                new Compose(new RandomResize(new[] { S(400), S(500), S(600) }), new RandomSizeCrop(S(384), S(600)), new RandomResize(scales, max))),
            norm);
        return (train, new Compose(new RandomResize(new[] { model.ImageSize }, max), norm));
    }
}
