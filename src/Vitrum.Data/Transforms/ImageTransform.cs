using Vitrum.Tensors;

namespace Vitrum.Data.Transforms;

/// <summary>
/// A float image [C, H, W] in a reusable buffer. Transforms read one and write another, so a worker
/// keeps two images and swaps them; nothing is allocated per sample once the buffers have grown.
/// </summary>
public sealed class ImageBuffer
{
    public float[] Data = Array.Empty<float>();
    public int Channels, Height, Width;

    public int Length => Channels * Height * Width;

    public Span<float> Resize(int c, int h, int w)
    {
        Channels = c; Height = h; Width = w;
        if (Data.Length < c * h * w) Data = new float[c * h * w];
        return Data.AsSpan(0, c * h * w);
    }

    public float At(int c, int y, int x) => Data[(c * Height + y) * Width + x];
}

/// <summary>One step of an image pipeline; random ones draw from the per-sample generator, so results depend only on the seed.</summary>
public interface IImageTransform
{
    /// <summary>Writes the transformed <paramref name="src"/> into <paramref name="dst"/>.</summary>
    void Apply(ImageBuffer src, ImageBuffer dst, Generator gen);
}
