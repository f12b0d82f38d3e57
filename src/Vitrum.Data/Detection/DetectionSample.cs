using Vitrum.Data.Transforms;

namespace Vitrum.Data.Detection;

/// <summary>
/// One object of a detection sample: its box (x0, y0, x1, y1) in pixels of the current image, its category id (the
/// label DETR trains on) and its COCO crowd flag. Single precision, as DETR's target tensors, so the transforms'
/// arithmetic rounds as the official code's does.
/// </summary>
public readonly record struct LabeledBox(float X0, float Y0, float X1, float Y1, long Label, bool IsCrowd = false)
{
    /// <summary>DETR's test for a box worth keeping: positive width and height.</summary>
    public bool HasArea => X1 > X0 && Y1 > Y0;
}

/// <summary>
/// An image with its boxes, as the detection transforms change them in place (DETR's (image, target) pair). The
/// sample owns its image buffers and reuses them from image to image, so a loader keeps one sample per batch slot
/// and allocates nothing once the buffers have grown.
/// </summary>
public sealed class DetectionSample
{
    private ImageBuffer _image = new(), _spare = new();

    /// <summary>The current image, float [C, H, W] in [0, 1] until normalized.</summary>
    public ImageBuffer Image => _image;

    /// <summary>A third buffer for transforms that need one (a reduction before resizing).</summary>
    internal ImageBuffer Scratch { get; } = new();

    /// <summary>Every object of the image, crowd ones included (flagged); the training target leaves them out.</summary>
    public List<LabeledBox> Boxes { get; } = new();

    /// <summary>The COCO id of the image.</summary>
    public long ImageId { get; set; }

    /// <summary>The image's size as read from its file, before any transform (DETR's "orig_size").</summary>
    public int OriginalHeight { get; set; }

    public int OriginalWidth { get; set; }

    /// <summary>Lets <paramref name="write"/> read the current image and write the next one, which becomes current.</summary>
    public void Transform(Action<ImageBuffer, ImageBuffer> write)
    {
        write(_image, _spare);
        (_image, _spare) = (_spare, _image);
    }
}
