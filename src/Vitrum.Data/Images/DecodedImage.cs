using Vitrum.Data.Transforms;

namespace Vitrum.Data.Images;

/// <summary>
/// A decoded 8-bit image with interleaved samples (row-major, <see cref="Channels"/> per pixel): 1 = grey,
/// 2 = grey + alpha, 3 = RGB, 4 = RGBA.
/// </summary>
public sealed record DecodedImage(int Width, int Height, int Channels, byte[] Pixels)
{
    /// <summary>Colour channels without alpha (1 or 3): what a model sees.</summary>
    public int ColorChannels => Channels >= 3 ? 3 : 1;

    /// <summary>The colour channels as floats in [0, 1], planar [C, H, W], into <paramref name="dst"/> (alpha is dropped, as PIL's convert does).</summary>
    public void ToBuffer(ImageBuffer dst)
    {
        int c = ColorChannels, plane = Width * Height;
        var d = dst.Resize(c, Height, Width);
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < plane; i++) d[ch * plane + i] = Pixels[i * Channels + ch] * (1f / 255f);
    }

    /// <summary>An 8-bit image from a planar float buffer in [0, 1] (values are clamped and rounded).</summary>
    public static DecodedImage FromBuffer(ImageBuffer src)
    {
        int c = src.Channels, plane = src.Width * src.Height;
        var px = new byte[plane * c];
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < plane; i++) px[i * c + ch] = (byte)Math.Clamp(MathF.Round(src.Data[ch * plane + i] * 255f), 0, 255);
        return new DecodedImage(src.Width, src.Height, c, px);
    }
}
