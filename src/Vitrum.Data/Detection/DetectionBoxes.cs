// The box arithmetic of facebookresearch/detr's datasets/coco.py (ConvertCocoPolysToMask) and datasets/transforms.py
// (hflip, resize with get_size_with_aspect_ratio, crop, Normalize), in float32 as the official code computes it.
using Vitrum.Data.Coco;

namespace Vitrum.Data.Detection;

/// <summary>Pure functions on a sample's boxes: what each of DETR's transforms does to its target's "boxes".</summary>
public static class DetectionBoxes
{
    /// <summary>
    /// The objects of one COCO image as DETR's ConvertCocoPolysToMask prepares them: [x, y, w, h] becomes
    /// (x, y, x + w, y + h), clipped to the image, and boxes without area afterwards are removed. Unlike DETR, crowd
    /// objects are kept (flagged); <see cref="ToTarget"/> leaves them out, which gives DETR's targets.
    /// </summary>
    public static List<LabeledBox> FromCoco(IEnumerable<CocoAnnotation> annotations, int width, int height)
    {
        var boxes = new List<LabeledBox>();
        foreach (var a in annotations)
        {
            float x = (float)a.Bbox.X, y = (float)a.Bbox.Y;
            float x1 = x + (float)a.Bbox.Width, y1 = y + (float)a.Bbox.Height;
            var box = new LabeledBox(Math.Clamp(x, 0, width), Math.Clamp(y, 0, height), Math.Clamp(x1, 0, width), Math.Clamp(y1, 0, height),
                a.CategoryId, a.IsCrowd);
            if (box.HasArea) boxes.Add(box);
        }
        return boxes;
    }

    /// <summary>DETR's hflip: the boxes of an image of this <paramref name="width"/> mirrored left-right.</summary>
    public static void HorizontalFlip(List<LabeledBox> boxes, int width)
    {
        for (int i = 0; i < boxes.Count; i++)
        {
            var b = boxes[i];
            boxes[i] = b with { X0 = width - b.X1, X1 = width - b.X0 };
        }
    }

    /// <summary>
    /// DETR's get_size_with_aspect_ratio: the (height, width) an image of width x height is resized to when its shorter
    /// side becomes <paramref name="size"/>, the longer side truncated; with <paramref name="maxSize"/>, the size is
    /// first lowered to round(maxSize * shorter / longer) (half to even, as Python rounds) when the longer side would
    /// pass it. A shorter side already at the size leaves the image as it is.
    /// </summary>
    public static (int Height, int Width) ResizedSize(int width, int height, int size, int? maxSize = null)
    {
        if (width <= 0 || height <= 0 || size <= 0)
            throw new ArgumentException($"DetectionBoxes.ResizedSize: image {width}x{height} and size {size} must be positive");
        if (maxSize is int max)
        {
            double shorter = Math.Min(width, height), longer = Math.Max(width, height);
            if (longer / shorter * size > max) size = (int)Math.Round(max * shorter / longer, MidpointRounding.ToEven);
            if (size <= 0) throw new ArgumentException($"DetectionBoxes.ResizedSize: max size {max} leaves no pixel of the shorter side of a {width}x{height} image");
        }
        if ((width <= height && width == size) || (height <= width && height == size)) return (height, width);
        return width < height ? ((int)((double)((long)size * height) / width), size) : (size, (int)((double)((long)size * width) / height));
    }

    /// <summary>DETR's resize: the boxes of a width x height image scaled to a newWidth x newHeight one.</summary>
    public static void Resize(List<LabeledBox> boxes, int width, int height, int newWidth, int newHeight)
    {
        // DETR turns the Python float ratios into a float32 tensor before multiplying.
        float rw = (float)((double)newWidth / width), rh = (float)((double)newHeight / height);
        for (int i = 0; i < boxes.Count; i++)
        {
            var b = boxes[i];
            boxes[i] = b with { X0 = b.X0 * rw, Y0 = b.Y0 * rh, X1 = b.X1 * rw, Y1 = b.Y1 * rh };
        }
    }

    /// <summary>
    /// DETR's crop to the region (top, left, height, width): boxes shifted into the region, clipped to it, and those
    /// left without area removed.
    /// </summary>
    public static void Crop(List<LabeledBox> boxes, int top, int left, int height, int width)
    {
        int kept = 0;
        for (int i = 0; i < boxes.Count; i++)
        {
            var b = boxes[i];
            var c = b with
            {
                X0 = Math.Max(Math.Min(b.X0 - left, width), 0), Y0 = Math.Max(Math.Min(b.Y0 - top, height), 0),
                X1 = Math.Max(Math.Min(b.X1 - left, width), 0), Y1 = Math.Max(Math.Min(b.Y1 - top, height), 0),
            };
            if (c.HasArea) boxes[kept++] = c;
        }
        boxes.RemoveRange(kept, boxes.Count - kept);
    }

    /// <summary>
    /// The box part of DETR's Normalize, which makes the training target: the objects that are not crowds, their boxes
    /// as (cx, cy, w, h) divided by the image's (width, height, width, height).
    /// </summary>
    /// <returns>the labels [T] and the boxes [T * 4]</returns>
    public static (long[] Labels, float[] Boxes) ToTarget(IReadOnlyList<LabeledBox> boxes, int width, int height)
    {
        int n = 0;
        foreach (var b in boxes)
            if (!b.IsCrowd) n++;
        var labels = new long[n];
        var cxcywh = new float[4 * n];
        float w = width, h = height;
        int k = 0;
        foreach (var b in boxes)
        {
            if (b.IsCrowd) continue;
            labels[k] = b.Label;
            cxcywh[4 * k] = (b.X0 + b.X1) / 2 / w;
            cxcywh[4 * k + 1] = (b.Y0 + b.Y1) / 2 / h;
            cxcywh[4 * k + 2] = (b.X1 - b.X0) / w;
            cxcywh[4 * k + 3] = (b.Y1 - b.Y0) / h;
            k++;
        }
        return (labels, cxcywh);
    }
}
