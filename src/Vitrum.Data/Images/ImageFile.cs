using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Vitrum.Nn.IO;

namespace Vitrum.Data.Images;

/// <summary>
/// Reads PNG, JPEG, BMP, GIF (its first frame) and WebP, and writes PNG, through SixLabors.ImageSharp 2.1
/// (Apache-2.0; 3.x needs a paid licence). The format is told by the file's first bytes, not its extension.
/// EXIF orientation is applied, so a photo comes out the way viewers show it (PIL's ImageOps.exif_transpose).
/// Channels follow the colour type the file declares (<see cref="SampleLayout"/>).
/// <para>
/// Why ImageSharp rather than StbImageSharp 2.30.16, the other managed decoder: it reads WebP and EXIF
/// orientation, which stb does not (tried on tests/fixtures/images: stb refuses the WebP files and returns
/// exif_orientation6.jpg unturned; both read CMYK JPEG and 16-bit PNG), and it decoded faster in
/// <c>dotnet run -c Release --project bench/Vitrum.Bench -- image-decode --reps 15</c> (images per CPU second of
/// one thread, three runs on the shared 2-core machine): JPEG 224x224 3,352-3,677 vs stb 469-1,320; JPEG 500x375
/// 1,159-1,248 vs 430-467; PNG 224x224 494-497 vs 395-413; PNG 500x375 134-139 vs 106-113. A native JPEG
/// library measured 1.2-2.0x ImageSharp's JPEG rate, but none ships in a NuGet package we may use, and decoding
/// stays far from a training step's cost: an image folder is decoded once, before training.
/// </para>
/// </summary>
public static class ImageFile
{
    /// <summary>
    /// Largest image accepted, in pixels (16384 x 8192; PIL warns above 89 M and refuses above 179 M). It is
    /// checked on the header before any pixel buffer exists: ImageSharp allocates the whole image before
    /// reading its data, so a forged size in a small file must be refused first.
    /// </summary>
    public const long MaxPixels = 1L << 27;

    /// <summary>Deflate expands at most ~1032:1, so a PNG's scanlines cannot be more than this many times its file.</summary>
    private const long MaxDeflateRatio = 1032;

    public static readonly string[] Extensions = { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    private static readonly Configuration Formats = CreateConfiguration();

    private static Configuration CreateConfiguration()
    {
        var c = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new BmpConfigurationModule(),
            new GifConfigurationModule(), new WebpConfigurationModule());
        c.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        return c;
    }

    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <exception cref="DataFormatException">not one of the formats read, a malformed file, or one larger than <see cref="MaxPixels"/> (the message names the file)</exception>
    public static DecodedImage Load(string path) => Decode(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <param name="name">the file name used in error messages</param>
    /// <exception cref="DataFormatException">as <see cref="Load"/></exception>
    public static DecodedImage Decode(byte[] file, string name) => WithHeader(file, name, layout => Decode(file, layout));

    /// <summary>
    /// The colour channels (1 or 3) the image in <paramref name="path"/> has without alpha, from its header alone:
    /// what <see cref="Load"/> gives, before any pixel is decoded (an image folder's first pass).
    /// </summary>
    /// <exception cref="DataFormatException">as <see cref="Load"/>, for what the header shows</exception>
    public static int ColorChannelsOf(string path) =>
        WithHeader(File.ReadAllBytes(path), Path.GetFileName(path), layout => layout.Channels >= 3 ? 3 : 1);

    /// <summary>Tells the format, reads and checks the header, then <paramref name="decode"/>s; every failure is a DataFormatException naming the file.</summary>
    private static T WithHeader<T>(byte[] file, string name, Func<SampleLayout, T> decode)
    {
        var format = Image.DetectFormat(Formats, file)
            ?? throw new DataFormatException(name, $"not a PNG, JPEG, BMP, GIF or WebP image ({(FileSignature.Describe(file.AsSpan(0, Math.Min(file.Length, FileSignature.HeadBytes)), name) is { } kind ? $"it is {kind}" : "unknown signature")})");
        try
        {
            var info = Image.Identify(Formats, file, out _) ?? throw new InvalidImageContentException("no image header");
            CheckHeader(file, format, info, name);
            return decode(SampleLayout.Of(format, info));
        }
        catch (DataFormatException) { throw; }
        // A valid file of a variant ImageSharp 2.1 does not decode (arithmetic-coded, lossless or hierarchical JPEG).
        catch (NotSupportedException e)
        {
            throw new DataFormatException(name, $"unsupported {format.Name} variant: {e.Message} Re-save it as an ordinary {format.Name} or a PNG (e.g. with PIL: Image.open(F).save('F.png')).", e);
        }
        // ImageSharp 2.1 fails on damaged files with many exception types besides its own (ImageFileFuzzTests
        // has met NullReferenceException in the JPEG and WebP header readers, DivideByZeroException in the BMP
        // palette reader, InvalidDataException from zlib), so any failure while decoding is a malformed file.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataFormatException(name, $"invalid {format.Name}: {e.Message}", e);
        }
    }

    private static void CheckHeader(byte[] file, IImageFormat format, IImageInfo info, string name)
    {
        long pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0 || pixels > MaxPixels)
            throw new DataFormatException(name, $"image size {info.Width}x{info.Height} is not in [1, {MaxPixels} pixels]");
        if (format is not PngFormat) return;
        int bits = info.PixelType.BitsPerPixel;
        long scanlines = info.Height * (((long)info.Width * bits + 7) / 8 + 1);
        if (scanlines > file.Length * MaxDeflateRatio)
            throw new DataFormatException(name, $"invalid PNG: {file.Length} bytes cannot hold a {info.Width}x{info.Height} image ({scanlines} bytes inflated; deflate expands at most {MaxDeflateRatio}:1)");
        if (info.Metadata.GetPngMetadata().InterlaceMethod == PngInterlaceMode.Adam7) InterlacedPngCheck.Require(file, info.Width, info.Height, bits, name);
    }

    private static DecodedImage Decode(byte[] file, SampleLayout layout) => layout switch
    {
        { Deep: true } => HighBytes(layout.Channels switch
        {
            1 => Read<L16>(file, 1),
            2 => Read<La32>(file, 2),
            3 => Read<Rgb48>(file, 3),
            _ => Read<Rgba64>(file, 4),
        }),
        { AlphaIfNotOpaque: true } => DropOpaqueAlpha(Read<Rgba32>(file, 4)),
        _ => layout.Channels switch
        {
            1 => Read<L8>(file, 1),
            2 => Read<La16>(file, 2),
            3 => Read<Rgb24>(file, 3),
            _ => Read<Rgba32>(file, 4),
        },
    };

    /// <summary>The pixels as ImageSharp lays out <typeparamref name="TPixel"/> (interleaved samples), upright.</summary>
    private static DecodedImage Read<TPixel>(byte[] file, int channels) where TPixel : unmanaged, IPixel<TPixel>
    {
        using var image = Image.Load<TPixel>(Formats, file);
        if (image.Metadata.ExifProfile != null) image.Mutate(x => x.AutoOrient());
        var px = new byte[(long)image.Width * image.Height * Unsafe.SizeOf<TPixel>()];
        image.CopyPixelDataTo(MemoryMarshal.Cast<byte, TPixel>(px.AsSpan()));
        return new DecodedImage(image.Width, image.Height, channels, px);
    }

    private static DecodedImage HighBytes(DecodedImage wide)
    {
        var samples = MemoryMarshal.Cast<byte, ushort>(wide.Pixels.AsSpan());
        var px = new byte[samples.Length];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(samples[i] >> 8);
        return wide with { Pixels = px };
    }

    private static DecodedImage DropOpaqueAlpha(DecodedImage rgba)
    {
        var p = rgba.Pixels;
        for (int i = 3; i < p.Length; i += 4)
            if (p[i] != 255) return rgba;
        var rgb = new byte[p.Length / 4 * 3];
        for (int i = 0, j = 0; i < p.Length; i += 4, j += 3) (rgb[j], rgb[j + 1], rgb[j + 2]) = (p[i], p[i + 1], p[i + 2]);
        return rgba with { Channels = 3, Pixels = rgb };
    }

    /// <summary>Writes <paramref name="image"/> as PNG to a temporary name and renames it, so a reader never sees half a file.</summary>
    public static void SavePng(string path, DecodedImage image)
    {
        var bytes = EncodePng(image);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>An 8-bit PNG, grey, grey+alpha, RGB or RGBA by the image's channel count.</summary>
    public static byte[] EncodePng(DecodedImage image)
    {
        if (image.Width <= 0 || image.Height <= 0 || image.Pixels.Length != (long)image.Width * image.Height * image.Channels)
            throw new ArgumentException($"ImageFile.EncodePng: {image.Pixels.Length} bytes for a {image.Width}x{image.Height} image of {image.Channels} channels");
        return image.Channels switch
        {
            1 => Encode<L8>(image, PngColorType.Grayscale),
            2 => Encode<La16>(image, PngColorType.GrayscaleWithAlpha),
            3 => Encode<Rgb24>(image, PngColorType.Rgb),
            4 => Encode<Rgba32>(image, PngColorType.RgbWithAlpha),
            _ => throw new ArgumentException($"ImageFile.EncodePng: an image with {image.Channels} channels (expected 1-4)"),
        };
    }

    private static byte[] Encode<TPixel>(DecodedImage image, PngColorType type) where TPixel : unmanaged, IPixel<TPixel>
    {
        using var img = Image.LoadPixelData<TPixel>(Formats, image.Pixels, image.Width, image.Height);
        using var s = new MemoryStream();
        img.SaveAsPng(s, new PngEncoder { ColorType = type, BitDepth = PngBitDepth.Bit8 });
        return s.ToArray();
    }
}
