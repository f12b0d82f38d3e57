using Vitrum.Tensors;

namespace Vitrum.Data.Detection;

/// <summary>The training target of one image: DETR's target dict's "labels" and "boxes" (what its SetCriterion reads).</summary>
/// <param name="Labels">Int64 [T]: category ids</param>
/// <param name="Boxes">Float32 [T, 4]: (cx, cy, w, h) relative to the image's size after its transforms, before padding</param>
public sealed record DetectionTarget(Tensor Labels, Tensor Boxes) : IDisposable
{
    public int Count => Labels.Numel;

    public void Dispose()
    {
        Labels.Dispose();
        Boxes.Dispose();
    }
}

/// <summary>
/// A batch of detection samples of different sizes, as DETR's util.misc.nested_tensor_from_tensor_list makes it:
/// each image copied to the top-left corner of a zero batch of the largest height and width, and a mask that is 1
/// on the padding. The consumer disposes it.
/// </summary>
/// <param name="Images">Float32 [B, C, H, W]: the transformed images, zero-padded at the bottom and right</param>
/// <param name="Mask">Int64 [B, H, W]: 1 where a pixel is padding, 0 on the image (DETR's mask, True = padding)</param>
/// <param name="Targets">one per image, crowd objects left out</param>
/// <param name="ImageIds">the COCO id of each image</param>
/// <param name="OriginalSizes">Int64 [B, 2]: (height, width) of each image file, what PostProcess scales to for COCO evaluation</param>
/// <param name="Sizes">Int64 [B, 2]: (height, width) of each image after its transforms, without padding</param>
public sealed record DetectionBatch(Tensor Images, Tensor Mask, IReadOnlyList<DetectionTarget> Targets, long[] ImageIds, Tensor OriginalSizes, Tensor Sizes)
    : IDisposable
{
    public int Size => ImageIds.Length;

    /// <summary>Pads <paramref name="samples"/> into one batch and makes their targets.</summary>
    /// <exception cref="ArgumentException">no sample is given, or the images have different channel counts</exception>
    public static DetectionBatch Collate(IReadOnlyList<DetectionSample> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("DetectionBatch.Collate: no samples");
        int b = samples.Count, c = samples[0].Image.Channels, h = 0, w = 0;
        foreach (var s in samples)
        {
            if (s.Image.Channels != c)
                throw new ArgumentException($"DetectionBatch.Collate: image {s.ImageId} has {s.Image.Channels} channels, image {samples[0].ImageId} {c}; convert them to the same channels");
            (h, w) = (Math.Max(h, s.Image.Height), Math.Max(w, s.Image.Width));
        }
        var images = Tensor.Zeros(b, c, h, w);
        var mask = Tensor.Empty(new[] { b, h, w }, DType.Int64);
        var dst = images.AsSpan();
        var m = mask.AsLongSpan();
        m.Fill(1);
        var targets = new DetectionTarget[b];
        var ids = new long[b];
        var original = new long[2 * b];
        var sizes = new long[2 * b];
        for (int i = 0; i < b; i++)
        {
            var s = samples[i];
            var img = s.Image;
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < img.Height; y++)
                    img.Data.AsSpan((ch * img.Height + y) * img.Width, img.Width).CopyTo(dst.Slice(((i * c + ch) * h + y) * w, img.Width));
            for (int y = 0; y < img.Height; y++) m.Slice((i * h + y) * w, img.Width).Clear();
            var (labels, boxes) = DetectionBoxes.ToTarget(s.Boxes, img.Width, img.Height);
            targets[i] = new DetectionTarget(Tensor.FromLongs(labels, labels.Length), Tensor.FromArray(boxes, labels.Length, 4));
            ids[i] = s.ImageId;
            (original[2 * i], original[2 * i + 1]) = (s.OriginalHeight, s.OriginalWidth);
            (sizes[2 * i], sizes[2 * i + 1]) = (img.Height, img.Width);
        }
        return new DetectionBatch(images, mask, targets, ids, Tensor.FromLongs(original, b, 2), Tensor.FromLongs(sizes, b, 2));
    }

    public void Dispose()
    {
        Images.Dispose();
        Mask.Dispose();
        foreach (var t in Targets) t.Dispose();
        OriginalSizes.Dispose();
        Sizes.Dispose();
    }
}
