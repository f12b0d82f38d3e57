using Vitrum.Data.Detection;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>What the detection transforms do to pixels and how they draw their random choices (their box arithmetic is pinned against DETR's code in <see cref="DetrTransformFixtureTests"/>).</summary>
public class DetectionTransformTests
{
    /// <summary>A 1-channel image whose pixel (y, x) is 100 y + x, with the given boxes.</summary>
    internal static DetectionSample Sample(int height, int width, params LabeledBox[] boxes)
    {
        var s = new DetectionSample { ImageId = 5, OriginalHeight = height, OriginalWidth = width };
        var px = s.Image.Resize(1, height, width);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) px[y * width + x] = 100 * y + x;
        s.Boxes.AddRange(boxes);
        return s;
    }

    [Fact]
    public void Flip_mirrors_pixels_and_boxes_together()
    {
        var s = Sample(2, 5, new LabeledBox(0, 0, 2, 1, 3));
        new RandomHorizontalFlip(p: 1.0).Apply(s, new Generator(0));
        Assert.Equal(new LabeledBox(3, 0, 5, 1, 3), s.Boxes.Single());
        Assert.Equal(new float[] { 4, 3, 2, 1, 0, 104, 103, 102, 101, 100 }, s.Image.Data.Take(10));
        // The pixels under the mirrored box are the ones that were under the box, mirrored.
        Assert.Equal((1f, 0f), (s.Image.At(0, 0, 3), s.Image.At(0, 0, 4)));
    }

    [Fact]
    public void Flip_with_probability_zero_leaves_the_sample_as_it_is()
    {
        var s = Sample(2, 3, new LabeledBox(0, 0, 1, 1, 1));
        new RandomHorizontalFlip(p: 0).Apply(s, new Generator(0));
        Assert.Equal(new float[] { 0, 1, 2, 100, 101, 102 }, s.Image.Data.Take(6));
        Assert.Equal(new LabeledBox(0, 0, 1, 1, 1), s.Boxes.Single());
    }

    [Fact]
    public void Crop_takes_the_pixel_window_and_drops_boxes_left_outside()
    {
        var s = Sample(6, 8, new LabeledBox(1, 1, 4, 3, 1), new LabeledBox(6, 5, 8, 6, 2), new LabeledBox(0, 0, 8, 6, 3, IsCrowd: true));
        RandomSizeCrop.CropTo(s, top: 2, left: 3, height: 3, width: 4);
        Assert.Equal((3, 4), (s.Image.Height, s.Image.Width));
        Assert.Equal(new float[] { 203, 204, 205, 206, 303, 304, 305, 306, 403, 404, 405, 406 }, s.Image.Data.Take(12));
        Assert.Equal(new[] { new LabeledBox(0, 0, 1, 1, 1), new LabeledBox(0, 0, 4, 3, 3, IsCrowd: true) }, s.Boxes);
    }

    [Fact]
    public void RandomResize_draws_among_its_sizes_caps_the_longer_side_and_scales_the_boxes()
    {
        var seen = new HashSet<(int, int)>();
        for (ulong seed = 0; seed < 40; seed++)
        {
            var s = Sample(30, 60, new LabeledBox(0, 0, 60, 30, 1), new LabeledBox(15, 3, 30, 9, 2));
            new RandomResize(new[] { 10, 30 }, maxSize: 40).Apply(s, new Generator(seed));
            var size = (s.Image.Height, s.Image.Width);
            Assert.Contains(size, new[] { (10, 20), (20, 40) });
            float r = s.Image.Width / 60f;
            Assert.Equal(new[] { new LabeledBox(0, 0, s.Image.Width, s.Image.Height, 1), new LabeledBox(15 * r, 3 * r, 30 * r, 9 * r, 2) }, s.Boxes);
            seen.Add(size);
        }
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void RandomResize_of_a_flat_image_keeps_its_value()
    {
        var s = new DetectionSample();
        s.Image.Resize(3, 40, 50).Fill(0.25f);
        new RandomResize(new[] { 7 }).Apply(s, new Generator(1));
        Assert.Equal((3, 7, 8), (s.Image.Channels, s.Image.Height, s.Image.Width));
        Assert.All(s.Image.Data.Take(3 * 7 * 8), v => Assert.Equal(0.25f, v, 1e-6f));
    }

    [Fact]
    public void RandomSizeCrop_stays_inside_the_image_within_its_sizes_and_is_fixed_by_the_seed()
    {
        var sizes = new HashSet<(int, int)>();
        for (ulong seed = 0; seed < 60; seed++)
        {
            var a = Sample(40, 50, new LabeledBox(0, 0, 50, 40, 1));
            var b = Sample(40, 50, new LabeledBox(0, 0, 50, 40, 1));
            new RandomSizeCrop(10, 30).Apply(a, new Generator(seed));
            new RandomSizeCrop(10, 30).Apply(b, new Generator(seed));
            Assert.Equal(a.Image.Data.Take(a.Image.Length), b.Image.Data.Take(b.Image.Length));
            Assert.InRange(a.Image.Width, 10, 30);
            Assert.InRange(a.Image.Height, 10, 30);
            // The full-image box becomes the crop itself; its top-left pixel tells where the crop was taken.
            Assert.Equal(new LabeledBox(0, 0, a.Image.Width, a.Image.Height, 1), a.Boxes.Single());
            float topLeft = a.Image.Data[0];
            int top = (int)topLeft / 100, left = (int)topLeft % 100;
            Assert.InRange(top, 0, 40 - a.Image.Height);
            Assert.InRange(left, 0, 50 - a.Image.Width);
            sizes.Add((a.Image.Height, a.Image.Width));
        }
        Assert.True(sizes.Count > 20, $"only {sizes.Count} crop sizes in 60 draws");
    }

    [Fact]
    public void RandomSizeCrop_of_an_image_below_the_minimum_keeps_the_whole_image()
    {
        var s = Sample(6, 8, new LabeledBox(1, 1, 2, 2, 1));
        new RandomSizeCrop(10, 20).Apply(s, new Generator(3));
        Assert.Equal((6, 8), (s.Image.Height, s.Image.Width));
        Assert.Equal(new LabeledBox(1, 1, 2, 2, 1), s.Boxes.Single());
    }

    [Fact]
    public void RandomSelect_takes_the_first_branch_with_probability_p()
    {
        int first = 0;
        for (ulong seed = 0; seed < 200; seed++)
        {
            var s = Sample(4, 4);
            new RandomSelect(new RandomResize(new[] { 2 }), new RandomResize(new[] { 3 }), p: 0.25).Apply(s, new Generator(seed));
            if (s.Image.Height == 2) first++;
        }
        Assert.InRange(first, 30, 70);
        var always = Sample(4, 4);
        new RandomSelect(new RandomResize(new[] { 2 }), new RandomResize(new[] { 3 }), p: 1).Apply(always, new Generator(9));
        Assert.Equal(2, always.Image.Height);
    }

    [Fact]
    public void Normalize_uses_imagenet_statistics_and_leaves_the_boxes_in_pixels()
    {
        var s = new DetectionSample();
        var px = s.Image.Resize(3, 1, 1);
        (px[0], px[1], px[2]) = (0.485f, 0.456f + 0.224f, 0.406f - 2 * 0.225f);
        s.Boxes.Add(new LabeledBox(0, 0, 1, 1, 4));
        new Compose(new Normalize()).Apply(s, new Generator(0));
        Assert.Equal(0f, s.Image.Data[0], 1e-6f);
        Assert.Equal(1f, s.Image.Data[1], 1e-5f);
        Assert.Equal(-2f, s.Image.Data[2], 1e-5f);
        Assert.Equal(new LabeledBox(0, 0, 1, 1, 4), s.Boxes.Single());
    }

    [Fact]
    public void Bad_transform_arguments_are_refused_naming_them()
    {
        Assert.Contains("RandomResize", Assert.Throws<ArgumentException>(() => new RandomResize(Array.Empty<int>())).Message);
        Assert.Contains("max size 0", Assert.Throws<ArgumentException>(() => new RandomResize(new[] { 3 }, 0)).Message);
        Assert.Contains("30..10", Assert.Throws<ArgumentException>(() => new RandomSizeCrop(30, 10)).Message);
    }
}
