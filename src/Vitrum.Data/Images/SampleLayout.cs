using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace Vitrum.Data.Images;

/// <summary>
/// How a file's samples become a <see cref="DecodedImage"/>, decided from the colour type the file declares
/// (ImageSharp's format metadata, read by Identify before any pixel is decoded), never by looking at pixels:
/// <list type="bullet">
/// <item>Grey (1 channel, 2 with alpha) only when the file says grey: PNG colour types 0 and 4, a JPEG with a
/// single (luminance) component. A PNG grey image with a tRNS colour key gets an alpha channel, as in PIL.</item>
/// <item>Everything else is colour (3 channels, 4 with alpha), even when every pixel happens to be grey:
/// palette images (PNG type 3, GIF, 1-8 bit BMP; PIL's mode P converts to RGB too), RGB / YCbCr / CMYK / YCCK
/// JPEG, 16-32 bit BMP, and WebP (VP8 and VP8L have no grey mode).</item>
/// <item>Alpha: PNG types 4 and 6 have it, types 0 and 2 have it with a tRNS key. Where ImageSharp's metadata
/// does not say (a palette PNG's tRNS, GIF's transparent index, WebP's alpha flag, 32-bit BMP), the image is
/// decoded as RGBA and keeps its alpha channel only if some pixel is not opaque.</item>
/// <item>16-bit PNG samples keep their high byte (PIL's and libpng's strip_16), not a rounded 255/65535 scaling.</item>
/// </list>
/// Grey matters: an image folder is grey when all its images are grey (<see cref="Datasets.ImageFolder"/>).
/// </summary>
internal readonly record struct SampleLayout(int Channels, bool Deep, bool AlphaIfNotOpaque)
{
    private static readonly SampleLayout Rgb = new(3, false, false), RgbMaybeAlpha = new(3, false, true);

    public static SampleLayout Of(IImageFormat format, IImageInfo info)
    {
        var m = info.Metadata;
        return format switch
        {
            PngFormat => Png(m.GetPngMetadata()),
            JpegFormat => m.GetJpegMetadata().ColorType == JpegColorType.Luminance ? new SampleLayout(1, false, false) : Rgb,
            BmpFormat => m.GetBmpMetadata().BitsPerPixel == BmpBitsPerPixel.Pixel32 ? RgbMaybeAlpha : Rgb,
            GifFormat or WebpFormat => RgbMaybeAlpha,
            _ => throw new ArgumentException($"SampleLayout: no rule for format {format.Name}"),
        };
    }

    private static SampleLayout Png(PngMetadata png)
    {
        bool deep = png.BitDepth == PngBitDepth.Bit16, key = png.HasTransparency;
        return png.ColorType switch
        {
            PngColorType.Grayscale => new SampleLayout(key ? 2 : 1, deep, false),
            PngColorType.GrayscaleWithAlpha => new SampleLayout(2, deep, false),
            PngColorType.Rgb => new SampleLayout(key ? 4 : 3, deep, false),
            PngColorType.RgbWithAlpha => new SampleLayout(4, deep, false),
            _ => RgbMaybeAlpha,
        };
    }
}
