using Vitrum.Tensors;

namespace Vitrum.Data.Transforms;

/// <summary>
/// A small image (an MNIST digit) scaled to a random size and pasted at a random place on a black canvas of
/// canvas x canvas: the digit-scenes' look (digits of 16-48 pixels anywhere on a
/// larger image) for classification, so a backbone pretrained on it has seen digits where detection will show them.
/// The digit's nominal ink size (<see cref="InkFraction"/> of its frame, MNIST's 20 of 28 pixels) is drawn uniformly
/// from [minSize, maxSize]; the frame keeps inside the canvas.
/// </summary>
public sealed class RandomPlace : IImageTransform
{
    /// <summary>MNIST's digits fill a 20 x 20 box of their 28 x 28 frame.</summary>
    public const float InkFraction = 20f / 28f;

    private readonly int _canvas, _minSize, _maxSize;

    [ThreadStatic] private static ImageBuffer? _scaled;

    /// <exception cref="ArgumentException">a size below 1 or above what the canvas holds</exception>
    public RandomPlace(int canvas, int minSize, int maxSize)
    {
        if (canvas < 1 || minSize < 1 || maxSize < minSize || maxSize > canvas * InkFraction)
            throw new ArgumentException($"RandomPlace: sizes {minSize}..{maxSize} must be ordered, at least 1 and fit a {canvas}-pixel canvas with their frame ({canvas * InkFraction:F0} at most)");
        (_canvas, _minSize, _maxSize) = (canvas, minSize, maxSize);
    }

    public void Apply(ImageBuffer src, ImageBuffer dst, Generator gen)
    {
        float size = _minSize + (_maxSize - _minSize) * gen.NextFloat();
        float scale = size / (InkFraction * Math.Max(src.Height, src.Width));
        int h = Math.Clamp((int)MathF.Round(src.Height * scale), 1, _canvas), w = Math.Clamp((int)MathF.Round(src.Width * scale), 1, _canvas);
        int top = gen.NextInt(_canvas - h + 1), left = gen.NextInt(_canvas - w + 1);
        var scaled = _scaled ??= new ImageBuffer();
        Sampling.ResizeWindow(src, 0, 0, src.Height, src.Width, scaled, h, w);
        var d = dst.Resize(src.Channels, _canvas, _canvas);
        d.Clear();
        for (int c = 0; c < src.Channels; c++)
            for (int y = 0; y < h; y++)
                scaled.Data.AsSpan((c * h + y) * w, w).CopyTo(d.Slice((c * _canvas + top + y) * _canvas + left));
    }
}
