using System.Globalization;
using Vitrum.Data.Acquisition;
using Vitrum.Data.Coco;
using Vitrum.Data.Datasets;
using Vitrum.Data.Images;
using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Data.Detection;

/// <summary>The grey digit images each split draws from; no image may be in two of them.</summary>
public sealed record DigitSources(ImageClassificationData Train, ImageClassificationData Val, ImageClassificationData Test)
{
    public ImageClassificationData Of(DigitScenesSplit split) => split switch
    {
        DigitScenesSplit.Train => Train,
        DigitScenesSplit.Val => Val,
        _ => Test,
    };

    /// <summary>
    /// MNIST's digits: the validation scenes use the 5,002 training digits that MNIST's own validation split holds
    /// out (<see cref="ValidationSplit"/>), the training scenes the other 54,998, the test scenes the 10,000 test digits.
    /// </summary>
    public static DigitSources FromMnist(ImageClassificationData train, ImageClassificationData test)
    {
        var (kept, val) = ValidationSplit.Split(train, ValidationSplit.MnistOneIn, "mnist");
        return new DigitSources(kept, val, test);
    }
}

/// <summary>
/// Digit scenes, Vitrum's built-in detection task on real images: handwritten MNIST digits scaled and placed on black
/// canvases (<see cref="DigitCanvas"/>), each with the tight box of its ink, written as a COCO data set (PNG files and
/// COCO JSON) that any COCO tool reads. Category ids are 1-10 for the digits 0-9 (named "0".."9"): id 0 is left
/// free because some detectors (torchvision's) reserve label 0 for the background, so DETR trains them with
/// num_classes 11, as it trains COCO's ids 1-90 with 91. An annotation's area is its box's (the digits have no
/// segmentation). Every scene is drawn from its own generator seeded by (seed, split, index), and each split uses
/// its digits in one fixed random order, each digit at most once while the split has enough of them, so the files are
/// the same byte for byte on every machine. Layout: <c>annotations/{train,val,test}.json</c> and <c>{split}/NNNNNN.png</c>.
/// </summary>
public static class DigitScenes
{
    public static readonly string[] SplitNames = { "train", "val", "test" };

    public static string Name(DigitScenesSplit split) => SplitNames[(int)split];

    /// <summary>The COCO category id of a digit.</summary>
    public static long CategoryId(int digit) => digit + 1;

    public static IReadOnlyList<CocoCategory> Categories { get; } =
        Enumerable.Range(0, 10).Select(d => new CocoCategory(CategoryId(d), d.ToString(CultureInfo.InvariantCulture), "digit")).ToArray();

    /// <summary>
    /// The scenes' folder in the Vitrum cache (<c>$VITRUM_CACHE</c>, else <c>~/.cache/vitrum</c>), generated from MNIST
    /// (fetched on first use) the first time it is asked for.
    /// </summary>
    public static string Build(Action<string>? log = null, DigitScenesOptions? options = null)
    {
        options ??= new DigitScenesOptions();
        var dir = Path.Combine(NpmPackage.CacheRoot, options.DirectoryName);
        if (Directory.Exists(dir)) return dir;
        var sources = DigitSources.FromMnist(Mnist.Load(true, log), Mnist.Load(false, log));
        log?.Invoke($"generating digit scenes ({options.TrainScenes:N0} / {options.ValScenes:N0} / {options.TestScenes:N0} canvases) in {dir} (once)");
        Write(dir, sources, options);
        return dir;
    }

    /// <summary>A split of the cached scenes (built on first use), its images converted to <paramref name="channels"/>.</summary>
    public static DetectionDataset Load(DigitScenesSplit split, Action<string>? log = null, int channels = 3) => Load(Build(log), split, channels);

    /// <summary>A split of the scenes written in <paramref name="directory"/>.</summary>
    /// <exception cref="DataFormatException">the split's annotation file is malformed</exception>
    public static DetectionDataset Load(string directory, DigitScenesSplit split, int channels = 3) =>
        DetectionDataset.Open(Path.Combine(directory, "annotations", Name(split) + ".json"), Path.Combine(directory, Name(split)), channels);

    /// <summary>
    /// Generates every split into <paramref name="directory"/>: written in a temporary folder beside it and renamed
    /// when complete, so the folder is never seen half-written. Does nothing if the folder exists (a finished write).
    /// </summary>
    /// <exception cref="ArgumentException">the options are out of range, or a source is not grey digits labelled 0-9</exception>
    public static void Write(string directory, DigitSources sources, DigitScenesOptions options)
    {
        options.Validate();
        foreach (var split in Enum.GetValues<DigitScenesSplit>()) CheckSource(sources.Of(split), split, options);
        var full = Path.GetFullPath(directory);
        if (Directory.Exists(full)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        RemoveStalePartials(full);
        var partial = $"{full}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            foreach (var split in Enum.GetValues<DigitScenesSplit>()) WriteSplit(partial, split, sources.Of(split), options);
            try { Directory.Move(partial, full); }
            catch (IOException) when (Directory.Exists(full)) { Directory.Delete(partial, true); }
        }
        catch
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, true);
            throw;
        }
    }

    private static void CheckSource(ImageClassificationData source, DigitScenesSplit split, DigitScenesOptions options)
    {
        if (options.Scenes(split) > 0 && (source.Count == 0 || source.Channels != 1))
            throw new ArgumentException($"DigitScenes: the {Name(split)} digits must be grey images (1 channel, at least one), got {source.Count} of {source.Channels} channels");
        for (int i = 0; i < source.Count; i++)
            if (source.Labels[i] is < 0 or > 9) throw new ArgumentException($"DigitScenes: {Name(split)} digit {i} has label {source.Labels[i]}, expected a digit 0-9");
    }

    private static void WriteSplit(string root, DigitScenesSplit split, ImageClassificationData source, DigitScenesOptions options)
    {
        int scenes = options.Scenes(split);
        var imageDir = Path.Combine(root, Name(split));
        Directory.CreateDirectory(imageDir);
        var order = DigitOrder(source.Count, options.Seed, split);
        // The digit count of each scene is its generator's first draw, so the digits each scene takes are known up front.
        var start = new int[scenes + 1];
        var canvas = new DigitCanvas(options);
        for (int i = 0; i < scenes; i++) start[i + 1] = start[i] + canvas.DrawCount(SceneGenerator(options.Seed, split, i));
        var drawn = new List<PlacedDigit>[scenes];
        Parallel.For(0, scenes, i =>
        {
            var digits = Enumerable.Range(start[i], start[i + 1] - start[i]).Select(k => order[k % order.Length]).ToArray();
            var (pixels, placed) = new DigitCanvas(options).Draw(SceneGenerator(options.Seed, split, i), source, digits);
            File.WriteAllBytes(Path.Combine(imageDir, FileName(i)), ImageFile.EncodePng(new DecodedImage(options.CanvasSize, options.CanvasSize, 1, pixels)));
            drawn[i] = placed;
        });
        var images = new List<CocoImage>(scenes);
        var annotations = new List<CocoAnnotation>();
        for (int i = 0; i < scenes; i++)
        {
            images.Add(new CocoImage(i + 1, FileName(i), options.CanvasSize, options.CanvasSize));
            foreach (var d in drawn[i])
            {
                var box = new CocoBox(d.X0, d.Y0, d.X1 - d.X0, d.Y1 - d.Y0);
                // Ids start at 1: COCOeval records a match by the ground truth's id, and an id of 0 reads as no match.
                annotations.Add(new CocoAnnotation(annotations.Count + 1, i + 1, CategoryId(d.Digit), box, box.Area, IsCrowd: false, Ignore: false));
            }
        }
        var file = Path.Combine(root, "annotations", Name(split) + ".json");
        var coco = new CocoDataset(images, annotations, Categories, file);
        CocoDatasetWriter.Write(file, coco, $"Vitrum digit scenes v{DigitScenesOptions.Version}, {Name(split)} split: MNIST digits on {options.CanvasSize}x{options.CanvasSize} canvases");
    }

    private static string FileName(int scene) => $"{scene + 1:D6}.png";

    /// <summary>The order in which a split uses its digits: a permutation fixed by (seed, split).</summary>
    private static int[] DigitOrder(int count, ulong seed, DigitScenesSplit split)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var g = new Generator(Mix(seed, (ulong)split, ulong.MaxValue));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = g.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static Generator SceneGenerator(ulong seed, DigitScenesSplit split, int scene) => new(Mix(seed, (ulong)split, (ulong)scene));

    private static ulong Mix(ulong a, ulong b, ulong c) => (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL) ^ (c * 0x165667B19E3779F9UL) ^ 0xD161_75CE_0E5E_ED00UL;

    /// <summary>Deletes folders that writers killed mid-way left beside <paramref name="full"/> (their process no longer runs).</summary>
    private static void RemoveStalePartials(string full)
    {
        var parent = Path.GetDirectoryName(full)!;
        foreach (var d in Directory.EnumerateDirectories(parent, Path.GetFileName(full) + ".partial-*"))
        {
            var rest = Path.GetFileName(d)[(Path.GetFileName(full).Length + ".partial-".Length)..].Split('-');
            if (rest.Length != 2 || !int.TryParse(rest[0], out int pid) || pid == Environment.ProcessId || LiveProcess.IsAlive(pid)) continue;
            try { Directory.Delete(d, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
