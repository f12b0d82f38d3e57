using Vitrum.Data.Coco;
using Vitrum.Data.Detection;
using Vitrum.Data.Images;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Data.Tests;

public class DetectionBatchTests
{
    [Fact]
    public void Collate_pads_bottom_right_with_zeros_and_masks_the_padding_as_nested_tensor_from_tensor_list()
    {
        var a = DetectionTransformTests.Sample(2, 3, new LabeledBox(0, 0, 3, 2, 7), new LabeledBox(0, 0, 1, 1, 1, IsCrowd: true));
        var b = DetectionTransformTests.Sample(3, 2, new LabeledBox(1, 1, 2, 3, 4));
        (b.ImageId, b.OriginalHeight, b.OriginalWidth) = (9, 30, 20);
        using var batch = DetectionBatch.Collate(new[] { a, b });
        Assert.Equal(new[] { 2, 1, 3, 3 }, batch.Images.Shape);
        Assert.Equal(new float[] { 0, 1, 2, 100, 101, 102, 0, 0, 0, 0, 1, 0, 100, 101, 0, 200, 201, 0 }, batch.Images.ToArray());
        Assert.Equal(DType.Int64, batch.Mask.DType);
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1 }, batch.Mask.ToLongArray());
        Assert.Equal(new long[] { 5, 9 }, batch.ImageIds);
        Assert.Equal(new long[] { 2, 3, 30, 20 }, batch.OriginalSizes.ToLongArray());
        Assert.Equal(new long[] { 2, 3, 3, 2 }, batch.Sizes.ToLongArray());
        // Targets are relative to each image's own size, without the padding; the crowd object is left out.
        Assert.Equal(new long[] { 7 }, batch.Targets[0].Labels.ToLongArray());
        Assert.Equal(new[] { 0.5f, 0.5f, 1f, 1f }, batch.Targets[0].Boxes.ToArray());
        Assert.Equal(new[] { 0.75f, 2f / 3, 0.5f, 2f / 3 }, batch.Targets[1].Boxes.ToArray());
        Assert.Equal(new[] { 1, 4 }, batch.Targets[1].Boxes.Shape);
    }

    [Fact]
    public void An_image_without_objects_gets_an_empty_target()
    {
        using var batch = DetectionBatch.Collate(new[] { DetectionTransformTests.Sample(2, 2) });
        Assert.Equal(0, batch.Targets[0].Count);
        Assert.Equal(new[] { 0, 4 }, batch.Targets[0].Boxes.Shape);
        Assert.Equal(DType.Int64, batch.Targets[0].Labels.DType);
    }

    [Fact]
    public void Collate_refuses_images_of_different_channel_counts()
    {
        var grey = DetectionTransformTests.Sample(2, 2);
        var rgb = new DetectionSample { ImageId = 8 };
        rgb.Image.Resize(3, 2, 2);
        Assert.Contains("image 8 has 3 channels", Assert.Throws<ArgumentException>(() => DetectionBatch.Collate(new[] { grey, rgb })).Message);
    }
}

/// <summary>A COCO data set of a few PNGs of different sizes on disk, read through <see cref="DetectionDataset"/> and <see cref="DetectionLoader"/>.</summary>
public sealed class DetectionDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-det-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Images with ids 30, 10, 20, ... (listed out of order), each with one box reaching past its right edge, one crowd box and one without area.</summary>
    private DetectionDataset Write(int count, int channels = 3)
    {
        var images = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        for (int i = 0; i < count; i++)
        {
            int w = 20 + 3 * i, h = 16 + 5 * (i % 3), id = 10 * ((i + 2) % count + 1);
            var px = new byte[w * h * 3];
            for (int p = 0; p < px.Length; p++) px[p] = (byte)(p * 13 + i);
            ImageFile.SavePng(Path.Combine(_dir, $"img{id}.png"), new DecodedImage(w, h, 3, px));
            images.Add(new CocoImage(id, $"img{id}.png", w, h));
            anns.Add(new CocoAnnotation(3 * i + 1, id, 1 + i % 2, new CocoBox(w - 5.5, 2, 10, 4), 40, false, false));
            anns.Add(new CocoAnnotation(3 * i + 2, id, 2, new CocoBox(0, 0, 4, 4), 16, true, false));
            anns.Add(new CocoAnnotation(3 * i + 3, id, 1, new CocoBox(3, 3, 0, 5), 0, false, false));
        }
        var file = Path.Combine(_dir, "instances.json");
        CocoDatasetWriter.Write(file, new CocoDataset(images, anns, new[] { new CocoCategory(1, "a", null), new CocoCategory(2, "b", null) }, file));
        return DetectionDataset.Open(file, _dir, channels);
    }

    [Fact]
    public void Images_come_in_id_order_with_boxes_clipped_degenerate_dropped_and_crowds_flagged()
    {
        var data = Write(3);
        Assert.Equal(new long[] { 10, 20, 30 }, Enumerable.Range(0, 3).Select(i => data.Image(i).Id));
        var s = data.Load(0);
        var info = data.Image(0);
        Assert.Equal((3, info.Height, info.Width, 10L), (s.Image.Channels, s.Image.Height, s.Image.Width, s.ImageId));
        Assert.Equal((info.Height, info.Width), (s.OriginalHeight, s.OriginalWidth));
        Assert.Equal(new[] { new LabeledBox(info.Width - 5.5f, 2, info.Width, 6, data.Annotations(0)[0].CategoryId), new LabeledBox(0, 0, 4, 4, 2, IsCrowd: true) }, s.Boxes);
        Assert.Equal(1, Write(3, channels: 1).Load(1).Image.Channels);
    }

    [Fact]
    public void A_missing_image_or_one_of_another_size_names_the_file()
    {
        var data = Write(2);
        File.Delete(Path.Combine(_dir, "img10.png"));
        Assert.Contains("img10.png", Assert.Throws<FileNotFoundException>(() => data.Load(0)).Message);
        ImageFile.SavePng(Path.Combine(_dir, "img20.png"), new DecodedImage(4, 4, 1, new byte[16]));
        var e = Assert.Throws<DataFormatException>(() => data.Load(1));
        Assert.Contains("img20.png", e.Message);
        Assert.Contains("4x4", e.Message);
    }

    [Fact]
    public void The_loader_gives_identical_padded_batches_for_a_seed_and_visits_every_image_once()
    {
        var data = Write(7);
        var tf = new Compose(new RandomHorizontalFlip(), new RandomSelect(new RandomResize(new[] { 12, 16 }, 30), new RandomSizeCrop(8, 14)), new Normalize());
        var a = new DetectionLoader(data, 3, tf, seed: 4);
        var b = new DetectionLoader(data, 3, tf, seed: 4);
        var ra = Run(a, 1);
        var rb = Run(b, 1);
        Assert.Equal(3, ra.Count);
        for (int i = 0; i < ra.Count; i++) Assert.Equal(ra[i], rb[i]);
        Assert.Equal(new long[] { 10, 20, 30, 40, 50, 60, 70 }, ra.SelectMany(r => r.Ids).Order());
        Assert.NotEqual(a.Order(1), a.Order(2));
        // The batch is as large as its largest image, the others padded.
        Assert.Contains(ra, r => r.Mask.Contains(1));
        var tail = Run(a, 1, skip: 2);
        Assert.Equal(ra[2], tail.Single());
    }

    private sealed record Flat(float[] Images, long[] Mask, long[] Ids, float[] Boxes, long[] Labels)
    {
        public bool Equals(Flat? o) => o != null && Images.SequenceEqual(o.Images) && Mask.SequenceEqual(o.Mask) && Ids.SequenceEqual(o.Ids)
            && Boxes.SequenceEqual(o.Boxes) && Labels.SequenceEqual(o.Labels);

        public override int GetHashCode() => Ids.Length;
    }

    private static List<Flat> Run(DetectionLoader l, int epoch, int skip = 0) => l.Epoch(epoch, skip).Select(batch =>
    {
        using (batch)
            return new Flat(batch.Images.ToArray(), batch.Mask.ToLongArray(), batch.ImageIds,
                batch.Targets.SelectMany(t => t.Boxes.ToArray()).ToArray(), batch.Targets.SelectMany(t => t.Labels.ToLongArray()).ToArray());
    }).ToList();
}
