using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Transforms;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Data.Tests;

public class LoaderTests
{
    private static ImageClassificationData Synthetic(int n)
    {
        var px = new byte[n * 4 * 4];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i * 7 % 256);
        return new ImageClassificationData(px, n, 1, 4, 4, Enumerable.Range(0, n).Select(i => i % 3).ToArray(), new[] { "a", "b", "c" });
    }

    private static List<(float[] X, long[] Y)> Run(BatchLoader l, int epoch) =>
        l.Epoch(epoch).Select(b => { using (b) return (b.Images.ToArray(), b.Labels.ToLongArray()); }).ToList();

    [Fact]
    public void Same_seed_gives_identical_batches_and_each_epoch_visits_every_sample_once()
    {
        var data = Synthetic(23);
        var tf = new IImageTransform[] { new RandomCrop(1), new RandomHorizontalFlip(), new Normalize(new[] { 0.5f }, new[] { 0.25f }) };
        var a = new BatchLoader(data, 5, tf, seed: 9);
        var b = new BatchLoader(data, 5, tf, seed: 9);
        var ra = Run(a, 1);
        var rb = Run(b, 1);
        Assert.Equal(5, ra.Count);
        for (int i = 0; i < ra.Count; i++) { Assert.Equal(ra[i].X, rb[i].X); Assert.Equal(ra[i].Y, rb[i].Y); }
        Assert.Equal(Enumerable.Range(0, 23).OrderBy(x => x), a.Order(1).OrderBy(x => x));
        Assert.NotEqual(a.Order(1), a.Order(2));
        Assert.Equal(new[] { 3, 1, 4, 4 }, a.Epoch(1, skipBatches: 4).Single().Images.Shape);
    }

    [Fact]
    public void Skipping_batches_resumes_with_the_same_data()
    {
        var l = new BatchLoader(Synthetic(20), 4, new IImageTransform[] { new RandomCrop(1) }, seed: 3);
        var all = Run(l, 0);
        var tail = l.Epoch(0, skipBatches: 2).Select(b => { using (b) return b.Images.ToArray(); }).ToList();
        Assert.Equal(all.Skip(2).Select(t => t.X), tail);
    }

    [Fact]
    public void Flip_crop_and_resize_move_pixels_as_expected()
    {
        var src = new ImageBuffer();
        var s = src.Resize(1, 2, 3);
        for (int i = 0; i < 6; i++) s[i] = i;
        var dst = new ImageBuffer();
        new RandomHorizontalFlip(1.0).Apply(src, dst, new Generator(1));
        Assert.Equal(new float[] { 2, 1, 0, 5, 4, 3 }, dst.Data.Take(6));
        new CenterCrop(2, 1).Apply(src, dst, new Generator(1));
        Assert.Equal(new float[] { 1, 4 }, dst.Data.Take(2));
        new Resize(4, 6).Apply(src, dst, new Generator(1));
        Assert.Equal((4, 6), (dst.Height, dst.Width));
        Assert.Equal(0f, dst.At(0, 0, 0));
        Assert.Equal(5f, dst.At(0, 3, 5));
        new RandomResizedCrop(3, 3).Apply(src, dst, new Generator(2));
        Assert.All(dst.Data.Take(9), v => Assert.InRange(v, 0f, 5f));
    }

    [Fact]
    public void Random_place_pastes_the_scaled_digit_whole_on_a_black_canvas()
    {
        // A 28 x 28 "digit" whose 20 x 20 middle is ink (1), as MNIST centres its digits.
        var src = new ImageBuffer();
        var s = src.Resize(1, 28, 28);
        for (int y = 4; y < 24; y++)
            for (int x = 4; x < 24; x++) s[y * 28 + x] = 1;
        var dst = new ImageBuffer();
        var place = new RandomPlace(64, 16, 40);
        var sides = new List<int>();
        for (int seed = 0; seed < 20; seed++)
        {
            place.Apply(src, dst, new Generator((ulong)seed));
            Assert.Equal((1, 64, 64), (dst.Channels, dst.Height, dst.Width));
            // The ink's box: a square of the drawn size (16..40, give or take the bilinear fringe), all inside the canvas.
            var ink = Enumerable.Range(0, 64 * 64).Where(i => dst.Data[i] > 0.5f).ToArray();
            int top = ink.Min(i => i / 64), bottom = ink.Max(i => i / 64), left = ink.Min(i => i % 64), right = ink.Max(i => i % 64);
            int side = bottom - top + 1;
            Assert.InRange(side, 15, 41);
            Assert.InRange(right - left + 1, side - 1, side + 1);
            Assert.Equal(0f, dst.Data.Take(64 * 64).Where((v, i) => i / 64 < top - 1 || i / 64 > bottom + 1 || i % 64 < left - 1 || i % 64 > right + 1).Max());
            sides.Add(side * 1000 + top * 64 + left);
        }
        Assert.True(sides.Distinct().Count() > 15, "sizes and places vary with the generator");
        place.Apply(src, dst, new Generator(3));
        var again = dst.Data.Take(64 * 64).ToArray();
        place.Apply(src, dst, new Generator(3));
        Assert.Equal(again, dst.Data.Take(64 * 64));
        Assert.Throws<ArgumentException>(() => new RandomPlace(32, 16, 30));
    }
}
