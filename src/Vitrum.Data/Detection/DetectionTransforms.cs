// The box-aware augmentations of facebookresearch/detr's datasets/transforms.py, applied to an image and its boxes
// together. Random choices draw from the sample's Vitrum generator (not Python's random), so they are fixed by the
// loader's seed; the arithmetic on the boxes is the official code's (DetectionBoxes).
using Vitrum.Data.Transforms;
using Vitrum.Tensors;

namespace Vitrum.Data.Detection;

/// <summary>One step of a detection pipeline: changes a sample's image and boxes in place.</summary>
public interface IDetectionTransform
{
    void Apply(DetectionSample sample, Generator gen);
}

/// <summary>DETR's T.Compose: the transforms one after the other.</summary>
public sealed class Compose(params IDetectionTransform[] transforms) : IDetectionTransform
{
    public IReadOnlyList<IDetectionTransform> Transforms => transforms;

    public void Apply(DetectionSample sample, Generator gen)
    {
        foreach (var t in transforms) t.Apply(sample, gen);
    }
}

/// <summary>DETR's RandomHorizontalFlip: with probability <paramref name="p"/>, the image and its boxes mirrored left-right.</summary>
public sealed class RandomHorizontalFlip(double p = 0.5) : IDetectionTransform
{
    public void Apply(DetectionSample sample, Generator gen)
    {
        if (gen.NextDouble() >= p) return;
        DetectionBoxes.HorizontalFlip(sample.Boxes, sample.Image.Width);
        sample.Transform((src, dst) => Transforms.RandomHorizontalFlip.Mirror(src, dst, flip: true));
    }
}

/// <summary>
/// DETR's RandomResize: the shorter side resized to one of the sizes chosen at random, the longer side capped at
/// the max size (DETR's get_size rules: <see cref="DetectionBoxes.ResizedSize"/>), the boxes
/// scaled with the image. The image is resampled bilinearly without PIL's antialiasing filter (reductions by 4x or
/// more average boxes of pixels first, <see cref="Sampling.Resize"/>), so sizes and boxes equal DETR's, pixels nearly.
/// </summary>
public sealed class RandomResize : IDetectionTransform
{
    private readonly int[] _sizes;
    private readonly int? _maxSize;

    /// <exception cref="ArgumentException">no size is given, or a size is not positive</exception>
    public RandomResize(int[] sizes, int? maxSize = null)
    {
        if (sizes.Length == 0 || sizes.Any(s => s <= 0) || maxSize <= 0)
            throw new ArgumentException($"RandomResize: sizes [{string.Join(", ", sizes)}] and max size {maxSize} must be positive, and at least one size given");
        (_sizes, _maxSize) = ((int[])sizes.Clone(), maxSize);
    }

    public void Apply(DetectionSample sample, Generator gen)
    {
        int size = _sizes[gen.NextInt(_sizes.Length)];
        int w = sample.Image.Width, h = sample.Image.Height;
        var (oh, ow) = DetectionBoxes.ResizedSize(w, h, size, _maxSize);
        if (oh == h && ow == w) return;
        DetectionBoxes.Resize(sample.Boxes, w, h, ow, oh);
        sample.Transform((src, dst) => Sampling.Resize(src, dst, oh, ow, sample.Scratch));
    }
}

/// <summary>
/// DETR's RandomSizeCrop: a crop whose width and height are drawn uniformly from [min size, min(image side, max
/// size)] at a uniformly drawn position; boxes are cropped with it and those left without area removed. Where the
/// image side is below the min size (DETR's code raises there), the crop spans that whole side.
/// </summary>
public sealed class RandomSizeCrop : IDetectionTransform
{
    private readonly int _minSize, _maxSize;

    /// <exception cref="ArgumentException">the sizes are not positive or the minimum exceeds the maximum</exception>
    public RandomSizeCrop(int minSize, int maxSize)
    {
        if (minSize <= 0 || maxSize < minSize) throw new ArgumentException($"RandomSizeCrop: sizes {minSize}..{maxSize} must be positive and ordered");
        (_minSize, _maxSize) = (minSize, maxSize);
    }

    public void Apply(DetectionSample sample, Generator gen)
    {
        int iw = sample.Image.Width, ih = sample.Image.Height;
        int w = Draw(gen, Math.Min(_minSize, iw), Math.Min(iw, _maxSize));
        int h = Draw(gen, Math.Min(_minSize, ih), Math.Min(ih, _maxSize));
        // torchvision's RandomCrop.get_params: the whole image takes no draw.
        int top = 0, left = 0;
        if (w != iw || h != ih)
        {
            top = gen.NextInt(ih - h + 1);
            left = gen.NextInt(iw - w + 1);
        }
        CropTo(sample, top, left, h, w);
    }

    private static int Draw(Generator gen, int lo, int hi) => lo + gen.NextInt(hi - lo + 1);

    /// <summary>DETR's crop(image, target, region): the image window and the boxes in it.</summary>
    public static void CropTo(DetectionSample sample, int top, int left, int height, int width)
    {
        DetectionBoxes.Crop(sample.Boxes, top, left, height, width);
        sample.Transform((src, dst) => Transforms.Crop.Copy(src, dst, top, left, height, width));
    }
}

/// <summary>DETR's RandomSelect: <paramref name="first"/> with probability <paramref name="p"/>, else <paramref name="second"/>.</summary>
public sealed class RandomSelect(IDetectionTransform first, IDetectionTransform second, double p = 0.5) : IDetectionTransform
{
    public void Apply(DetectionSample sample, Generator gen)
    {
        if (gen.NextDouble() < p) first.Apply(sample, gen);
        else second.Apply(sample, gen);
    }
}

/// <summary>
/// The image half of DETR's Normalize: (x - mean[c]) / std[c] per channel (ImageNet's statistics by default, as DETR's
/// make_coco_transforms). The box half, (cx, cy, w, h) / (w, h, w, h), is applied when a batch's targets are made
/// (<see cref="DetectionBoxes.ToTarget"/>), so the sample's boxes stay in pixels for every transform.
/// </summary>
public sealed class Normalize(float[]? mean = null, float[]? std = null) : IDetectionTransform
{
    private readonly Transforms.Normalize _normalize = new(mean ?? Preprocess.ImagenetDefault.Mean, std ?? Preprocess.ImagenetDefault.Std);

    public void Apply(DetectionSample sample, Generator gen) => sample.Transform((src, dst) => _normalize.Apply(src, dst, gen));
}
