using System.Runtime.InteropServices;

namespace Vitrum.Data.Images;

/// <summary>
/// JPEG decoding through the system's libturbojpeg (TurboJPEG 2.x API: tjInitDecompress,
/// tjDecompressHeader3, tjDecompress2), an optional native dependency: a JPEG is decoded by the well-kept
/// library rather than by a second, slower and less tested decoder of ours. The library is looked up once
/// (<c>$VITRUM_TURBOJPEG</c> if set, else the platform's usual names); when it is missing, decoding a JPEG
/// fails with a message naming the file and the package to install, and PNG keeps working.
/// </summary>
public static unsafe class JpegDecoder
{
    private const int PixelFormatRgb = 0, PixelFormatGray = 6, ColorspaceGray = 2;

    public static bool IsJpeg(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    private sealed class Api
    {
        public delegate* unmanaged<nint> Init;
        public delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int> Header;
        public delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int> Decompress;
        public delegate* unmanaged<nint, byte*> Error;
        public delegate* unmanaged<nint, int> Destroy;
    }

    private static readonly Lazy<(Api? Api, string Tried)> Library = new(Load);

    private static (Api?, string) Load()
    {
        var names = Environment.GetEnvironmentVariable("VITRUM_TURBOJPEG") is { Length: > 0 } p
            ? new[] { p }
            : new[] { "libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.0.dylib", "libturbojpeg.dylib", "turbojpeg.dll" };
        foreach (var n in names)
        {
            if (!NativeLibrary.TryLoad(n, out var h)) continue;
            try
            {
                return (new Api
                {
                    Init = (delegate* unmanaged<nint>)NativeLibrary.GetExport(h, "tjInitDecompress"),
                    Header = (delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int>)NativeLibrary.GetExport(h, "tjDecompressHeader3"),
                    Decompress = (delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int>)NativeLibrary.GetExport(h, "tjDecompress2"),
                    Error = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(h, "tjGetErrorStr2"),
                    Destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(h, "tjDestroy"),
                }, n);
            }
            catch (EntryPointNotFoundException) { NativeLibrary.Free(h); }
        }
        return (null, string.Join(", ", names));
    }

    /// <summary>Whether libturbojpeg could be loaded.</summary>
    public static bool IsAvailable => Library.Value.Api != null;

    /// <exception cref="DataFormatException">the data is not a decodable JPEG, or libturbojpeg is missing (the message says which)</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> file, string name)
    {
        var (api, tried) = Library.Value;
        if (api == null)
            throw new DataFormatException(name, $"decoding JPEG needs the native libturbojpeg library, which was not found (tried {tried}; on Debian/Ubuntu: apt install libturbojpeg0), or convert the image to PNG");
        nint tj = api.Init();
        if (tj == 0) throw new DataFormatException(name, "libturbojpeg could not create a decompressor");
        try
        {
            fixed (byte* src = file)
            {
                int w, h, sub, cs;
                if (api.Header(tj, src, (nuint)file.Length, &w, &h, &sub, &cs) != 0) throw Fail(api, tj, name, "its header");
                if (w <= 0 || h <= 0 || (long)w * h > PngDecoder.MaxPixels) throw new DataFormatException(name, $"invalid JPEG: image size {w}x{h} is not in [1, {PngDecoder.MaxPixels} pixels]");
                int channels = cs == ColorspaceGray ? 1 : 3;
                var pixels = new byte[(long)w * h * channels];
                fixed (byte* dst = pixels)
                    if (api.Decompress(tj, src, (nuint)file.Length, dst, w, w * channels, h, channels == 1 ? PixelFormatGray : PixelFormatRgb, 0) != 0)
                        throw Fail(api, tj, name, "its image data");
                return new DecodedImage(w, h, channels, pixels);
            }
        }
        finally { api.Destroy(tj); }
    }

    private static DataFormatException Fail(Api api, nint tj, string name, string what) =>
        new(name, $"invalid JPEG: libturbojpeg could not decode {what} ({Marshal.PtrToStringUTF8((nint)api.Error(tj))})");
}
