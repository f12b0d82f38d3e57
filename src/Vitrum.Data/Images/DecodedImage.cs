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

    /// <summary>
    /// The image in <paramref name="channels"/> colour channels (1 = grey, 3 = RGB) without alpha, as PIL's
    /// <c>Image.convert("L")</c> / <c>convert("RGB")</c> makes it, bit for bit: grey is repeated into R, G and B;
    /// colour becomes grey by ITU-R 601-2 luma in PIL's fixed point, (19595 R + 38470 G + 7471 B + 2^15) >> 16
    /// (PIL's L24; it differs from a truncated (299 R + 587 G + 114 B) / 1000 on half the colours); alpha is
    /// dropped without compositing. Palette, CMYK and YCCK files are already RGB here (<see cref="SampleLayout"/>),
    /// as PIL converts them before luma. Returns this image when it has those channels and no alpha.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is not 1 or 3</exception>
    public DecodedImage ToColorChannels(int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "an image has 1 (grey) or 3 (RGB) colour channels");
        if (channels == Channels) return this;
        int n = Width * Height, stride = Channels;
        var src = Pixels;
        var px = new byte[n * channels];
        if (channels == 1 && ColorChannels == 3)
            for (int i = 0, s = 0; i < n; i++, s += stride)
                px[i] = (byte)((src[s] * 19595 + src[s + 1] * 38470 + src[s + 2] * 7471 + 0x8000) >> 16);
        else if (channels == 1)
            for (int i = 0, s = 0; i < n; i++, s += stride) px[i] = src[s];
        else if (ColorChannels == 1)
            for (int i = 0, s = 0, d = 0; i < n; i++, s += stride, d += 3) px[d] = px[d + 1] = px[d + 2] = src[s];
        else
            for (int i = 0, s = 0, d = 0; i < n; i++, s += stride, d += 3) (px[d], px[d + 1], px[d + 2]) = (src[s], src[s + 1], src[s + 2]);
        return new DecodedImage(Width, Height, channels, px);
    }

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
