using Vitrum.Nn.IO;

namespace Vitrum.Data.Images;

/// <summary>Reads PNG and JPEG files (chosen by their first bytes, not their extension) and writes PNG atomically.</summary>
public static class ImageFile
{
    public static readonly string[] Extensions = { ".png", ".jpg", ".jpeg" };

    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <exception cref="DataFormatException">not a PNG or JPEG, or a malformed one (the message names the file)</exception>
    public static DecodedImage Load(string path)
    {
        var name = Path.GetFileName(path);
        var bytes = File.ReadAllBytes(path);
        if (PngDecoder.IsPng(bytes)) return PngDecoder.Decode(bytes, name);
        if (JpegDecoder.IsJpeg(bytes)) return JpegDecoder.Decode(bytes, name);
        throw new DataFormatException(name, "not a PNG or JPEG image (unknown signature)");
    }

    /// <summary>Writes <paramref name="image"/> as PNG to a temporary name and renames it, so a reader never sees half a file.</summary>
    public static void SavePng(string path, DecodedImage image)
    {
        var bytes = PngEncoder.Encode(image);
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}
