using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Vitrum.Data.Images;

/// <summary>
/// A PNG decoder (ISO/IEC 15948; W3C PNG 2nd edition) for every colour type and bit depth of the spec:
/// grey 1/2/4/8/16, RGB 8/16, palette 1/2/4/8 (with tRNS alpha), grey+alpha and RGBA 8/16, Adam7 interlacing,
/// tRNS colour keys. Output is 8-bit: low-depth grey is scaled to 0-255, 16-bit samples keep their high byte
/// (as PIL and libpng's strip_16 do). Every chunk's CRC is checked, and sizes are checked before anything is
/// allocated: the inflated data of a PNG cannot exceed its compressed IDAT bytes by more than deflate's
/// ~1032:1 ratio, so a forged header cannot make us allocate gigabytes from a small file.
/// </summary>
public static class PngDecoder
{
    /// <summary>Largest image accepted (pixels), well beyond any training image.</summary>
    public const long MaxPixels = 1L << 28;
    private const long MaxInflateRatio = 1100;

    public static bool IsPng(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(PngFormat.Signature);

    private readonly record struct Header(int Width, int Height, int Depth, PngColorType Type, bool Interlaced)
    {
        public int BitsPerPixel => Depth * PngFormat.SamplesPerPixel(Type);
    }

    private sealed class Chunks
    {
        public Header Header;
        public byte[]? Palette;
        public byte[]? Transparency;
        public readonly MemoryStream Idat = new();
    }

    /// <param name="name">the file name used in error messages</param>
    /// <exception cref="DataFormatException">the data is not a valid PNG (the message says what is wrong)</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> file, string name)
    {
        var c = ReadChunks(file, name);
        var h = c.Header;
        var raw = Inflate(c, name);
        int outChannels = h.Type switch
        {
            PngColorType.Grey => c.Transparency != null ? 2 : 1,
            PngColorType.Rgb or PngColorType.Palette => c.Transparency != null ? 4 : 3,
            PngColorType.GreyAlpha => 2,
            _ => 4,
        };
        var pixels = new byte[(long)h.Width * h.Height * outChannels];
        int offset = 0, bpp = Math.Max(1, h.BitsPerPixel / 8);
        foreach (var (pass, w, rows) in PngFormat.Passes(h.Width, h.Height, h.Interlaced))
        {
            int rowBytes = (int)PngFormat.RowBytes(w, h.BitsPerPixel);
            var span = raw.AsSpan(offset, rows * (rowBytes + 1));
            Unfilter(span, rowBytes, rows, bpp, name);
            var (x0, y0, dx, dy) = pass < 0 ? (0, 0, 1, 1) : PngFormat.Adam7[pass];
            for (int y = 0; y < rows; y++)
                ExpandRow(span.Slice(y * (rowBytes + 1) + 1, rowBytes), w, h, c, pixels, (y0 + y * dy) * h.Width, x0, dx, outChannels, name);
            offset += span.Length;
        }
        return new DecodedImage(h.Width, h.Height, outChannels, pixels);
    }

    private static DataFormatException Bad(string name, string problem) => new(name, $"invalid PNG: {problem}");

    private static Chunks ReadChunks(ReadOnlySpan<byte> f, string name)
    {
        if (!IsPng(f)) throw Bad(name, "the file does not start with the PNG signature");
        var c = new Chunks();
        int pos = 8;
        bool header = false, idat = false, idatDone = false;
        while (true)
        {
            if (f.Length - pos < 12) throw Bad(name, $"the file ends at byte {f.Length} before the IEND chunk (truncated?)");
            uint len = BinaryPrimitives.ReadUInt32BigEndian(f[pos..]);
            var typeBytes = f.Slice(pos + 4, 4);
            var type = Encoding.ASCII.GetString(typeBytes);
            foreach (var b in typeBytes)
                if (b is not ((>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z')))
                    throw Bad(name, $"the chunk at byte {pos} has a type that is not four ASCII letters");
            if (len > f.Length - pos - 12) throw Bad(name, $"chunk {type} at byte {pos} claims {len} bytes but only {f.Length - pos - 12} remain");
            var data = f.Slice(pos + 8, (int)len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(f[(pos + 8 + (int)len)..]);
            if (Crc32.Compute(f.Slice(pos + 4, 4 + (int)len)) != crc) throw Bad(name, $"chunk {type} at byte {pos} fails its CRC check (corrupt file)");
            pos += 12 + (int)len;
            if (!header)
            {
                if (type != "IHDR") throw Bad(name, $"the first chunk is {type}, expected IHDR");
                c.Header = ParseHeader(data, name);
                header = true;
                continue;
            }
            if (idat && type != "IDAT") idatDone = true;
            switch (type)
            {
                case "IHDR": throw Bad(name, "a second IHDR chunk");
                case "PLTE": c.Palette = ParsePalette(data, c.Header, idat, name); break;
                case "tRNS": c.Transparency = ParseTransparency(data, c, name); break;
                case "IDAT":
                    if (idatDone) throw Bad(name, "IDAT chunks are not consecutive");
                    idat = true;
                    c.Idat.Write(data);
                    break;
                case "IEND":
                    if (!idat) throw Bad(name, "no IDAT chunk before IEND");
                    if (c.Header.Type == PngColorType.Palette && c.Palette == null) throw Bad(name, "a palette image without a PLTE chunk");
                    return c;
                default:
                    if (char.IsAsciiLetterUpper(type[0])) throw Bad(name, $"unknown critical chunk {type}");
                    break;
            }
        }
    }

    private static Header ParseHeader(ReadOnlySpan<byte> d, string name)
    {
        if (d.Length != 13) throw Bad(name, $"IHDR has {d.Length} bytes, expected 13");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(d), h = BinaryPrimitives.ReadUInt32BigEndian(d[4..]);
        if (w == 0 || h == 0 || w > int.MaxValue || h > int.MaxValue) throw Bad(name, $"image size {w}x{h} is not in [1, 2^31-1]");
        if ((long)w * h > MaxPixels) throw Bad(name, $"image size {w}x{h} exceeds the limit of {MaxPixels} pixels");
        var type = (PngColorType)d[9];
        if (!Enum.IsDefined(type)) throw Bad(name, $"colour type {d[9]} is not one of 0, 2, 3, 4, 6");
        if (!PngFormat.ValidDepth(type, d[8])) throw Bad(name, $"bit depth {d[8]} is not allowed for colour type {d[9]}");
        if (d[10] != 0) throw Bad(name, $"compression method {d[10]} (only 0, deflate, exists)");
        if (d[11] != 0) throw Bad(name, $"filter method {d[11]} (only 0 exists)");
        if (d[12] > 1) throw Bad(name, $"interlace method {d[12]} (expected 0 or 1)");
        return new Header((int)w, (int)h, d[8], type, d[12] == 1);
    }

    private static byte[] ParsePalette(ReadOnlySpan<byte> d, Header h, bool afterIdat, string name)
    {
        if (afterIdat) throw Bad(name, "PLTE after IDAT");
        if (h.Type is PngColorType.Grey or PngColorType.GreyAlpha) throw Bad(name, "a PLTE chunk in a grey image");
        if (d.Length == 0 || d.Length % 3 != 0 || d.Length / 3 > 256) throw Bad(name, $"PLTE has {d.Length} bytes, expected 3 per entry for 1-256 entries");
        if (h.Type == PngColorType.Palette && d.Length / 3 > 1 << h.Depth) throw Bad(name, $"PLTE has {d.Length / 3} entries, more than bit depth {h.Depth} can index");
        return d.ToArray();
    }

    /// <summary>tRNS: palette alphas, or the one grey/RGB sample value that is transparent; ignored where the spec forbids it (types with alpha), as libpng does.</summary>
    private static byte[]? ParseTransparency(ReadOnlySpan<byte> d, Chunks c, string name) => c.Header.Type switch
    {
        PngColorType.Palette when c.Palette == null => throw Bad(name, "tRNS before PLTE in a palette image"),
        PngColorType.Palette when d.Length > c.Palette.Length / 3 => throw Bad(name, $"tRNS has {d.Length} alphas for {c.Palette.Length / 3} palette entries"),
        PngColorType.Grey when d.Length != 2 => throw Bad(name, $"tRNS of a grey image has {d.Length} bytes, expected 2"),
        PngColorType.Rgb when d.Length != 6 => throw Bad(name, $"tRNS of an RGB image has {d.Length} bytes, expected 6"),
        PngColorType.GreyAlpha or PngColorType.Rgba => null,
        _ => d.ToArray(),
    };

    private static byte[] Inflate(Chunks c, string name)
    {
        var h = c.Header;
        long expected = 0;
        foreach (var (_, w, rows) in PngFormat.Passes(h.Width, h.Height, h.Interlaced))
            expected += rows * (PngFormat.RowBytes(w, h.BitsPerPixel) + 1);
        long compressed = c.Idat.Length;
        if (expected > compressed * MaxInflateRatio + 1024)
            throw Bad(name, $"{compressed} bytes of image data cannot hold a {h.Width}x{h.Height} image ({expected} bytes inflated)");
        if (expected > Array.MaxLength) throw Bad(name, $"a {h.Width}x{h.Height} image at {h.BitsPerPixel} bits per pixel is too large to decode");
        var raw = new byte[expected];
        c.Idat.Position = 0;
        int got;
        try
        {
            using var z = new ZLibStream(c.Idat, CompressionMode.Decompress);
            got = z.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e) { throw new DataFormatException(name, $"invalid PNG: the image data is not a valid zlib stream ({e.Message})", e); }
        if (got < expected) throw Bad(name, $"the image data inflates to {got} bytes, expected {expected} for {h.Width}x{h.Height} (truncated?)");
        return raw;
    }

    /// <summary>Undoes the per-scanline filters in place (spec section 9); <paramref name="bpp"/> is bytes per complete pixel, at least 1.</summary>
    private static void Unfilter(Span<byte> data, int rowBytes, int rows, int bpp, string name)
    {
        for (int r = 0; r < rows; r++)
        {
            int o = r * (rowBytes + 1);
            int filter = data[o];
            var cur = data.Slice(o + 1, rowBytes);
            ReadOnlySpan<byte> prev = r > 0 ? data.Slice(o - rowBytes, rowBytes) : default;
            switch (filter)
            {
                case 0: break;
                case 1:
                    for (int i = bpp; i < rowBytes; i++) cur[i] += cur[i - bpp];
                    break;
                case 2:
                    if (!prev.IsEmpty) for (int i = 0; i < rowBytes; i++) cur[i] += prev[i];
                    break;
                case 3:
                    for (int i = 0; i < rowBytes; i++)
                        cur[i] += (byte)(((i >= bpp ? cur[i - bpp] : 0) + (prev.IsEmpty ? 0 : prev[i])) >> 1);
                    break;
                case 4:
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int a = i >= bpp ? cur[i - bpp] : 0, b = prev.IsEmpty ? 0 : prev[i], cc = i >= bpp && !prev.IsEmpty ? prev[i - bpp] : 0;
                        cur[i] += (byte)PngFormat.Paeth(a, b, cc);
                    }
                    break;
                default: throw Bad(name, $"scanline {r} has filter type {filter} (expected 0-4)");
            }
        }
    }

    private static int Sample(ReadOnlySpan<byte> row, int i, int depth) => depth switch
    {
        8 => row[i],
        16 => (row[2 * i] << 8) | row[2 * i + 1],
        _ => (row[i * depth >> 3] >> (8 - depth - (i * depth & 7))) & ((1 << depth) - 1),
    };

    private static byte To8(int v, int depth) => depth switch
    {
        16 => (byte)(v >> 8),
        8 => (byte)v,
        _ => (byte)(v * (255 / ((1 << depth) - 1))),
    };

    /// <summary>Writes the <paramref name="w"/> pixels of one (sub-image) row to columns x0, x0+dx, ... of output row <paramref name="rowStart"/> (in pixels).</summary>
    private static void ExpandRow(ReadOnlySpan<byte> row, int w, Header h, Chunks c, byte[] dst, int rowStart, int x0, int dx, int oc, string name)
    {
        int d = h.Depth;
        var t = c.Transparency;
        for (int x = 0; x < w; x++)
        {
            long o = (long)(rowStart + x0 + x * dx) * oc;
            switch (h.Type)
            {
                case PngColorType.Grey:
                {
                    int v = Sample(row, x, d);
                    dst[o] = To8(v, d);
                    if (t != null) dst[o + 1] = v == BinaryPrimitives.ReadUInt16BigEndian(t) ? (byte)0 : (byte)255;
                    break;
                }
                case PngColorType.Rgb:
                {
                    int r = Sample(row, 3 * x, d), g = Sample(row, 3 * x + 1, d), b = Sample(row, 3 * x + 2, d);
                    (dst[o], dst[o + 1], dst[o + 2]) = (To8(r, d), To8(g, d), To8(b, d));
                    if (t != null)
                        dst[o + 3] = r == BinaryPrimitives.ReadUInt16BigEndian(t) && g == BinaryPrimitives.ReadUInt16BigEndian(t.AsSpan(2))
                            && b == BinaryPrimitives.ReadUInt16BigEndian(t.AsSpan(4)) ? (byte)0 : (byte)255;
                    break;
                }
                case PngColorType.Palette:
                {
                    int i = Sample(row, x, d);
                    if (3 * i >= c.Palette!.Length) throw Bad(name, $"pixel index {i} is beyond the {c.Palette.Length / 3}-entry palette");
                    (dst[o], dst[o + 1], dst[o + 2]) = (c.Palette[3 * i], c.Palette[3 * i + 1], c.Palette[3 * i + 2]);
                    if (t != null) dst[o + 3] = i < t.Length ? t[i] : (byte)255;
                    break;
                }
                default:
                    for (int k = 0; k < oc; k++) dst[o + k] = To8(Sample(row, oc * x + k, d), d);
                    break;
            }
        }
    }
}
