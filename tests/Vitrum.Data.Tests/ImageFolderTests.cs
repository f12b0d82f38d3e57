using Vitrum.Data.Datasets;
using Vitrum.Data.Images;
using Vitrum.Data.Transforms;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>Image folders written with ImageFile.SavePng (and committed JPEG, BMP, GIF and WebP fixtures): classes, splits, channels, sizes and errors.</summary>
public class ImageFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-folder-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private void Png(string rel, int w, int h, int c, byte value)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        ImageFile.SavePng(p, new DecodedImage(w, h, c, Enumerable.Repeat(value, w * h * c).ToArray()));
    }

    [Fact]
    public void Classes_are_sorted_subfolders_every_tenth_file_is_test_and_a_tenth_of_the_rest_validates()
    {
        for (int i = 0; i < 20; i++) Png($"zebra/{i:D2}.png", 10, 14, 1, 200);
        for (int i = 0; i < 10; i++) Png($"ant/{i:D2}.png", 8, 8, 1, 30);
        var (train, val, test, heldOut) = ImageFolder.LoadSplit(_dir, 6);
        Assert.True(heldOut);
        Assert.Equal(new[] { "ant", "zebra" }, train.Classes);
        // 9 + 18 training files: (9 + 5) / 10 = 1 ant and (18 + 5) / 10 = 2 zebras validate.
        Assert.Equal((24, 3, 3), (train.Count, val.Count, test!.Count));
        Assert.Equal(new[] { 0, 1, 1 }, val.Labels);
        Assert.Equal((1, 6, 6), (train.Channels, train.Height, train.Width));
        Assert.Equal(new[] { 0, 1, 1 }, test.Labels);
        Assert.Equal(200, test.Image(2)[17]);
        Assert.Equal(30, train.Image(0)[0]);
        Assert.Equal(30, ImageFolder.LoadForEvaluation(_dir, 6).Count);
    }

    [Fact]
    public void Train_val_and_test_subfolders_are_used_when_present_and_colour_wins_over_grey()
    {
        Png("train/a/1.png", 5, 5, 1, 10);
        Png("train/b/1.png", 5, 5, 4, 90);
        Png("val/a/1.png", 5, 5, 3, 20);
        Png("val/b/1.png", 5, 5, 3, 80);
        Png("test/a/1.png", 5, 5, 3, 50);
        Png("test/b/1.png", 5, 5, 2, 70);
        var (train, val, test, heldOut) = ImageFolder.LoadSplit(_dir, 4);
        Assert.False(heldOut);
        Assert.Equal((2, 2, 2), (train.Count, val.Count, test!.Count));
        Assert.Equal(3, train.Channels);
        Assert.Equal(3, test.Channels);
        Assert.All(test.Image(1).ToArray(), v => Assert.Equal(70, v));
        Assert.All(val.Image(0).ToArray(), v => Assert.Equal(20, v));
        Assert.Equal(2, ImageFolder.LoadForEvaluation(_dir, 4).Count);
    }

    [Fact]
    public void A_train_and_val_folder_validates_on_val_and_has_no_test_split()
    {
        Png("train/a/1.png", 5, 5, 1, 10);
        Png("train/b/1.png", 5, 5, 1, 90);
        Png("val/a/1.png", 5, 5, 1, 20);
        Png("val/b/1.png", 5, 5, 1, 80);
        var splits = ImageFolder.LoadSplit(_dir, 4);
        Assert.Null(splits.Test);
        Assert.Equal(new byte[] { 20, 80 }, new[] { splits.Val.Image(0)[0], splits.Val.Image(1)[0] });
        Assert.Equal("train 2 / val 2 / no test images", splits.Describe());
    }

    [Fact]
    public void A_train_and_test_folder_holds_its_validation_images_out_of_train()
    {
        for (int i = 0; i < 12; i++) Png($"train/a/{i:D2}.png", 5, 5, 1, (byte)i);
        for (int i = 0; i < 3; i++) Png($"train/b/{i:D2}.png", 5, 5, 1, (byte)(100 + i));
        Png("test/a/1.png", 5, 5, 1, 50);
        Png("test/b/1.png", 5, 5, 1, 150);
        var (train, val, test, heldOut) = ImageFolder.LoadSplit(_dir, 4);
        Assert.True(heldOut);
        Assert.Equal((13, 2, 2), (train.Count, val.Count, test!.Count)); // (12 + 5) / 10 = 1 of a, at least 1 of b
        var trainValues = Enumerable.Range(0, train.Count).Select(i => train.Image(i)[0]).ToHashSet();
        Assert.All(Enumerable.Range(0, val.Count), i => Assert.DoesNotContain(val.Image(i)[0], trainValues));
    }

    private void Copy(string fixture, string rel)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fixtures", "images", fixture), p);
    }

    [Fact]
    public void Jpeg_bmp_gif_and_webp_files_load_next_to_png()
    {
        Png("a/a.png", 13, 9, 3, 1);
        Copy("rgb444.jpg", "b/b.jpg");
        Copy("progressive.jpg", "b/c.JPEG");
        Copy("rgb24.bmp", "c/d.bmp");
        Copy("two_frames.gif", "c/e.gif");
        Copy("lossless.webp", "d/f.webp");
        var all = ImageFolder.LoadForEvaluation(_dir, 9);
        Assert.Equal(new[] { 0, 1, 1, 2, 2, 3 }, all.Labels);
        Assert.Equal(3, all.Channels);
    }

    [Fact]
    public void A_folder_of_grey_jpeg_and_grey_png_is_grey()
    {
        Png("a/a.png", 13, 9, 1, 1);
        Copy("grey.jpg", "b/b.jpg");
        Copy("grey16.png", "b/c.png");
        Assert.Equal(1, ImageFolder.LoadForEvaluation(_dir, 9).Channels);
    }

    [Fact]
    public void A_malformed_image_is_reported_with_its_path_in_the_folder()
    {
        Png("cat/good.png", 4, 4, 3, 5);
        Directory.CreateDirectory(Path.Combine(_dir, "dog"));
        File.WriteAllBytes(Path.Combine(_dir, "dog", "bad.png"), new byte[] { 137, 80, 78, 71, 13, 10, 26, 10, 0, 0 });
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.LoadForEvaluation(_dir, 4));
        Assert.Contains(Path.Combine("dog", "bad.png"), e.Message);
        Assert.Equal(Path.Combine("dog", "bad.png"), e.File);
    }

    [Fact]
    public void A_folder_without_class_subfolders_is_refused()
    {
        Png("lonely.png", 4, 4, 1, 0);
        Assert.Throws<DataFormatException>(() => ImageFolder.LoadSplit(_dir, 4));
    }

    [Fact]
    public void ResizeShorter_keeps_the_aspect_ratio_and_box_reduces_large_factors()
    {
        var src = new ImageBuffer();
        var s = src.Resize(1, 100, 60);
        for (int i = 0; i < s.Length; i++) s[i] = (i / 60 + i % 60) % 2; // a checkerboard: aliasing would show as 0 or 1 pixels
        var dst = new ImageBuffer();
        new ResizeShorter(6).Apply(src, dst, new Generator(0));
        Assert.Equal((10, 6), (dst.Height, dst.Width));
        Assert.All(dst.Data.Take(60), v => Assert.InRange(v, 0.4f, 0.6f));
    }

    [Fact]
    public void Preprocess_round_trips_through_metadata_and_center_crops_by_crop_pct()
    {
        var p = Preprocess.Inception;
        var back = Preprocess.FromMetadata(p.ToMetadata(), "m")!;
        Assert.Equal(p.Mean, back.Mean);
        Assert.Equal(p.Std, back.Std);
        Assert.Equal(p.CropPct, back.CropPct);
        Assert.Null(Preprocess.FromMetadata(new Dictionary<string, string>(), "m"));
        Assert.Throws<DataFormatException>(() => Preprocess.FromMetadata(new Dictionary<string, string> { ["mean"] = "[1", ["std"] = "[1]" }, "m"));
        var tf = p.Transforms(224);
        var a = new ImageBuffer();
        a.Resize(3, 300, 400).Fill(1f);
        var b = new ImageBuffer();
        Generator g = new(0);
        foreach (var t in tf) { t.Apply(a, b, g); (a, b) = (b, a); }
        Assert.Equal((3, 224, 224), (a.Channels, a.Height, a.Width));
        var half = new ImageBuffer();
        tf[0].Apply(a, half, g);
        Assert.Equal((248, 248), (half.Height, half.Width)); // floor(224 / 0.9)
        Assert.All(a.Data.Take(a.Length), v => Assert.Equal(1f, v, 1e-5f));
    }
}
