using Vitrum.Data.Images;
using Vitrum.Data.Transforms;
using Vitrum.Tensors;

namespace Vitrum.Data.Datasets;

/// <summary>
/// A folder of labelled images, torchvision's ImageFolder layout: one subfolder per class (sorted names are
/// the classes), image files inside (any format <see cref="ImageFile"/> reads). A split is <c>DIR/train</c> plus
/// <c>DIR/test</c> and/or <c>DIR/val</c> when those exist; otherwise every 10th file of each class (in name order)
/// is the test set (see <see cref="LoadSplit"/>). Images are decoded once and stored at the model's size (shorter side resized to it, then the
/// central square), so a folder's memory is N x C x size^2 bytes. A folder is grey (1 channel) when all its
/// images are grey (as their files declare, see <see cref="SampleLayout"/>), else RGB (grey images are repeated
/// into three channels); alpha is dropped.
/// </summary>
public static class ImageFolder
{
    public const int TestEvery = 10;

    /// <summary>Whether <paramref name="path"/> names a folder to be read as an image folder (the CLI's --dataset).</summary>
    public static bool IsImageFolder(string path) => Directory.Exists(path);

    private static string? SplitDir(string dir, params string[] names) =>
        names.Select(n => Path.Combine(dir, n)).FirstOrDefault(Directory.Exists);

    /// <summary>
    /// The splits of <paramref name="dir"/>: with <c>DIR/train</c> beside <c>DIR/test</c> or <c>DIR/val</c>, those folders
    /// (a train/val folder has no test split); otherwise every 10th file of each class is the test set. The validation
    /// images are <c>DIR/val</c> when present, else held out of the training images (<see cref="ValidationSplit"/>).
    /// </summary>
    public static ImageSplits LoadSplit(string dir, int size, Action<string>? log = null)
    {
        string? train = SplitDir(dir, "train"), test = SplitDir(dir, "test"), val = SplitDir(dir, "val");
        if (train != null && (test ?? val) != null)
        {
            var classes = Classes(train);
            var trainData = Load(train, size, _ => true, log, classes);
            var testData = test == null ? null : Load(test, size, _ => true, log, classes);
            return val != null
                ? new ImageSplits(trainData, Load(val, size, _ => true, log, classes), testData, ValHeldOut: false)
                : ImageSplits.HoldingOut(trainData, testData, ValidationSplit.FolderOneIn, train);
        }
        return ImageSplits.HoldingOut(Load(dir, size, i => i % TestEvery != TestEvery - 1, log), Load(dir, size, i => i % TestEvery == TestEvery - 1, log),
            ValidationSplit.FolderOneIn, dir);
    }

    /// <summary>What <c>eval</c> measures: the folder's test (or val) split when it has one, else all its images.</summary>
    /// <param name="channels">the model's colour channels, which every image is converted to; null: the folder's own</param>
    public static ImageClassificationData LoadForEvaluation(string dir, int size, Action<string>? log = null, int? channels = null) =>
        SplitDir(dir, "test", "val") is string t ? Load(t, size, _ => true, log, channels: channels) : Load(dir, size, _ => true, log, channels: channels);

    /// <summary>The class names of a folder (its subfolders, ordinal order), or of its train split.</summary>
    public static string[] Classes(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such image folder");
        if (SplitDir(dir, "train") is string train && SplitDir(dir, "test", "val") != null) dir = train;
        var classes = Directory.GetDirectories(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new DataFormatException(dir, "an image folder needs one subfolder per class, found none");
        return classes!;
    }

    /// <param name="keep">which files to keep, by their index within their class</param>
    /// <param name="classes">the class list to label with (a test split must use the train split's)</param>
    /// <param name="channels">
    /// the colour channels (1 or 3) to convert every image to, as PIL's convert does
    /// (<see cref="DecodedImage.ToColorChannels"/>); null: grey when every image's file declares grey, else RGB
    /// </param>
    public static ImageClassificationData Load(string dir, int size, Func<int, bool> keep, Action<string>? log = null, string[]? classes = null, int? channels = null)
    {
        classes ??= Classes(dir);
        var files = new List<(string Path, int Label)>();
        var perClass = new int[classes.Length];
        for (int c = 0; c < classes.Length; c++)
        {
            var sub = Path.Combine(dir, classes[c]);
            if (!Directory.Exists(sub)) throw new DataFormatException(dir, $"has no subfolder for class '{classes[c]}' (the classes are {string.Join(", ", classes)})");
            var inClass = Directory.GetFiles(sub).Where(ImageFile.HasImageExtension).Order(StringComparer.Ordinal).ToArray();
            perClass[c] = inClass.Length;
            for (int i = 0; i < inClass.Length; i++) if (keep(i)) files.Add((inClass[i], c));
        }
        if (files.Count == 0) throw new DataFormatException(dir, TooFew(classes, perClass, keep));
        int ch = channels ?? (files.Any(f => Guarded(dir, f.Path, ImageFile.ColorChannelsOf) == 3) ? 3 : 1);
        var fitted = new byte[files.Count][];
        var a = new ImageBuffer();
        var b = new ImageBuffer();
        var resize = new ResizeShorter(size);
        var crop = new CenterCrop(size, size);
        var gen = new Generator(0);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < files.Count; i++)
        {
            Guarded(dir, files[i].Path, ImageFile.Load).ToColorChannels(ch).ToBuffer(a);
            resize.Apply(a, b, gen);
            crop.Apply(b, a, gen);
            fitted[i] = new byte[a.Length];
            for (int p = 0; p < a.Length; p++) fitted[i][p] = (byte)Math.Clamp(MathF.Round(a.Data[p] * 255f), 0, 255);
        }
        log?.Invoke($"decoded {files.Count} images of {classes.Length} classes from {dir} in {clock.Elapsed.TotalSeconds:F1} s");
        int bytes = ch * size * size;
        var pixels = new byte[(long)files.Count * bytes];
        for (int i = 0; i < fitted.Length; i++) fitted[i].CopyTo(pixels.AsSpan(i * bytes, bytes));
        return new ImageClassificationData(pixels, files.Count, ch, size, size, files.Select(f => f.Label).ToArray(), classes);
    }

    /// <summary>Reads one image, naming it in an error by its path within the folder.</summary>
    private static T Guarded<T>(string dir, string path, Func<string, T> read)
    {
        try { return read(path); }
        catch (DataFormatException e) { throw new DataFormatException(Path.GetRelativePath(dir, path), e.Message[(e.File.Length + 2)..], e); }
    }

    /// <summary>
    /// Why a split came out empty: the images found per class and how many a class needs before the split takes
    /// one (the first index <paramref name="keep"/> accepts, plus one).
    /// </summary>
    private static string TooFew(string[] classes, int[] perClass, Func<int, bool> keep)
    {
        const int Shown = 8, Searched = 1 << 20;
        var found = string.Join(", ", classes.Zip(perClass).Take(Shown).Select(c => $"{c.First} {c.Second}"))
            + (classes.Length > Shown ? $", ... ({classes.Length} classes)" : "");
        if (perClass.All(n => n == 0))
            return $"holds no {string.Join("/", ImageFile.Extensions)} images in its class subfolders ({found})";
        int need = Enumerable.Range(0, Searched).FirstOrDefault(keep, -1) + 1;
        var why = need == TestEvery
            ? $" (without train and test subfolders every {TestEvery}th image of a class is held out for testing: add images, or make {Path.Combine("DIR", "train")} and {Path.Combine("DIR", "test")})"
            : "";
        return $"has too few images for this split: images per class: {found}; a class needs at least {need} before the split takes one{why}";
    }
}
