using Vitrum.Data.Datasets;
using Vitrum.Data.Images;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>The validation split held out of training images: disjoint from the rest, the same every time, the documented share of each class.</summary>
public class ValidationSplitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-valsplit-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>MNIST's shape of training set (60,000 images, labels in file order) with each image's index in its two pixels.</summary>
    private static ImageClassificationData Numbered(int count, int classes)
    {
        var px = new byte[count * 2];
        for (int i = 0; i < count; i++) (px[2 * i], px[2 * i + 1]) = ((byte)(i >> 8), (byte)i);
        var labels = Enumerable.Range(0, count).Select(i => i * 7 % classes).ToArray();
        return new ImageClassificationData(px, count, 1, 1, 2, labels, Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray());
    }

    private static int[] Ids(ImageClassificationData d) => Enumerable.Range(0, d.Count).Select(i => d.Image(i)[0] << 8 | d.Image(i)[1]).ToArray();

    [Fact]
    public void Mnist_sized_training_images_give_one_in_twelve_of_each_class_disjoint_and_the_same_every_time()
    {
        var data = Numbered(60_000, 10);
        var (train, val) = ValidationSplit.Split(data, ValidationSplit.MnistOneIn, "mnist");
        var (train2, val2) = ValidationSplit.Split(data, ValidationSplit.MnistOneIn, "mnist");
        Assert.Equal(Ids(val), Ids(val2));
        Assert.Equal(Ids(train), Ids(train2));
        Assert.Equal(5_000, val.Count);
        Assert.Equal(Enumerable.Range(0, 60_000), Ids(train).Concat(Ids(val)).Order());
        Assert.True(Ids(val).SequenceEqual(Ids(val).Order()), "validation images keep their order");
        for (int c = 0; c < 10; c++) Assert.Equal(500, val.Labels.Count(l => l == c));
        Assert.All(Enumerable.Range(0, val.Count), i => Assert.Equal(data.Labels[Ids(val)[i]], val.Labels[i]));
        // Not simply the first or last images of each class.
        Assert.InRange(Ids(val).Average(), 25_000, 35_000);
    }

    [Theory]
    [InlineData(0, 10, 0)]
    [InlineData(1, 10, 0)]
    [InlineData(2, 10, 1)]
    [InlineData(14, 10, 1)]
    [InlineData(15, 10, 2)]
    [InlineData(5958, 12, 497)] // MNIST's digit 2: half up, in integers
    [InlineData(6000, 12, 500)]
    public void A_class_holds_out_its_share_rounded_half_up_at_least_one_and_never_all(int count, int oneIn, int expected) =>
        Assert.Equal(expected, ValidationSplit.HeldOut(count, oneIn));

    [Fact]
    public void Training_images_of_one_per_class_cannot_give_a_validation_split()
    {
        var one = new ImageClassificationData(new byte[2], 2, 1, 1, 1, new[] { 0, 1 }, new[] { "a", "b" });
        var e = Assert.Throws<DataFormatException>(() => ValidationSplit.Split(one, ValidationSplit.FolderOneIn, "DIR"));
        Assert.StartsWith("DIR: cannot hold out validation images: no class has 2 or more training images", e.Message);
    }

    [Fact]
    public void A_folders_validation_images_are_disjoint_from_its_test_and_training_images_and_the_same_every_time()
    {
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 40; i++)
            {
                var p = Path.Combine(_dir, $"class{c}", $"{i:D2}.png");
                Directory.CreateDirectory(Path.GetDirectoryName(p)!);
                ImageFile.SavePng(p, new DecodedImage(2, 2, 1, Enumerable.Repeat((byte)(c * 100 + i), 4).ToArray()));
            }
        var a = ImageFolder.LoadSplit(_dir, 2);
        var b = ImageFolder.LoadSplit(_dir, 2);
        int[] Values(ImageClassificationData d) => Enumerable.Range(0, d.Count).Select(i => (int)d.Image(i)[0]).ToArray();
        Assert.Equal(Values(a.Val), Values(b.Val));
        Assert.Equal((64, 8, 8), (a.Train.Count, a.Val.Count, a.Test!.Count)); // of 36 training files per class, 4 validate
        var all = Values(a.Train).Concat(Values(a.Val)).Concat(Values(a.Test)).ToArray();
        Assert.Equal(80, all.Distinct().Count());
    }
}
