using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Vitrum.Data.Images;

/// <summary>
/// Samples to write as a PNG at any colour type and bit depth of the spec: <see cref="Samples"/> holds
/// <c>SamplesPerPixel(ColorType)</c> values per pixel, row-major, each below 2^BitDepth (palette indices for
/// <see cref="PngColorType.Palette"/>). <see cref="Palette"/> is RGB triples; <see cref="Transparency"/> the
/// raw tRNS chunk.
/// </summary>
public sealed record PngRaster(int Width, int Height, PngColorType ColorType, int BitDepth, ushort[] Samples,
    byte[]? Palette = null, byte[]? Transparency = null, bool Interlaced = false);

/// <summary>
/// A PNG encoder. Each scanline gets the filter with the smallest sum of absolute byte values (libpng's
/// heuristic), then everything is deflated through System.IO.Compression's zlib.
/// </summary>
public static class PngEncoder
{
    /// <summary>An 8-bit image as grey, grey+alpha, RGB or RGBA (by its channel count).</summary>
    public static byte[] Encode(DecodedImage image)
    {
        var type = image.Channels switch
        {
            1 => PngColorType.Grey,
            2 => PngColorType.GreyAlpha,
            3 => PngColorType.Rgb,
            4 => PngColorType.Rgba,
            _ => throw new ArgumentException($"PngEncoder: an image with {image.Channels} channels (expected 1-4)"),
        };
        var samples = new ushort[image.Pixels.Length];
        for (int i = 0; i < samples.Length; i++) samples[i] = image.Pixels[i];
        return Encode(new PngRaster(image.Width, image.Height, type, 8, samples));
    }

    public static byte[] Encode(PngRaster r)
    {
        int spp = PngFormat.SamplesPerPixel(r.ColorType), bits = spp * r.BitDepth;
        if (r.Width <= 0 || r.Height <= 0) throw new ArgumentException($"PngEncoder: image size {r.Width}x{r.Height} must be positive");
        if (!PngFormat.ValidDepth(r.ColorType, r.BitDepth)) throw new ArgumentException($"PngEncoder: bit depth {r.BitDepth} is not allowed for {r.ColorType}");
        if (r.Samples.Length != (long)r.Width * r.Height * spp)
            throw new ArgumentException($"PngEncoder: {r.Samples.Length} samples for a {r.Width}x{r.Height} {r.ColorType} image (expected {(long)r.Width * r.Height * spp})");
        if (r.ColorType == PngColorType.Palette && r.Palette == null) throw new ArgumentException("PngEncoder: a palette image needs a palette");
        var raw = new MemoryStream();
        foreach (var (pass, w, rows) in PngFormat.Passes(r.Width, r.Height, r.Interlaced))
        {
            var (x0, y0, dx, dy) = pass < 0 ? (0, 0, 1, 1) : PngFormat.Adam7[pass];
            int rowBytes = (int)PngFormat.RowBytes(w, bits);
            var prev = new byte[rowBytes];
            var cur = new byte[rowBytes];
            for (int y = 0; y < rows; y++)
            {
                Array.Clear(cur);
                int srcRow = (y0 + y * dy) * r.Width;
                for (int x = 0; x < w; x++)
                    for (int s = 0; s < spp; s++)
                        Put(cur, x * spp + s, r.BitDepth, r.Samples[(srcRow + x0 + x * dx) * spp + s]);
                WriteFiltered(raw, cur, prev, Math.Max(1, bits / 8));
                (prev, cur) = (cur, prev);
            }
        }
        var png = new MemoryStream();
        png.Write(PngFormat.Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)r.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)r.Height);
        (ihdr[8], ihdr[9], ihdr[12]) = ((byte)r.BitDepth, (byte)r.ColorType, r.Interlaced ? (byte)1 : (byte)0);
        Chunk(png, "IHDR", ihdr);
        if (r.Palette != null) Chunk(png, "PLTE", r.Palette);
        if (r.Transparency != null) Chunk(png, "tRNS", r.Transparency);
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) raw.WriteTo(zs);
        Chunk(png, "IDAT", z.ToArray());
        Chunk(png, "IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    private static void Put(byte[] row, int i, int depth, int v)
    {
        if (v >> depth != 0) throw new ArgumentException($"PngEncoder: sample value {v} does not fit in {depth} bits");
        switch (depth)
        {
            case 8: row[i] = (byte)v; break;
            case 16: BinaryPrimitives.WriteUInt16BigEndian(row.AsSpan(2 * i), (ushort)v); break;
            default: row[i * depth >> 3] |= (byte)(v << (8 - depth - (i * depth & 7))); break;
        }
    }

    /// <summary>Writes the filter byte and the row filtered with whichever of the five filters gives the smallest sum of |signed byte|.</summary>
    private static void WriteFiltered(Stream dst, byte[] cur, byte[] prev, int bpp)
    {
        int n = cur.Length;
        Span<byte> best = n <= 4096 ? stackalloc byte[n] : new byte[n];
        Span<byte> trial = n <= 4096 ? stackalloc byte[n] : new byte[n];
        long bestCost = long.MaxValue;
        int bestFilter = 0;
        for (int f = 0; f < 5; f++)
        {
            long cost = 0;
            for (int i = 0; i < n; i++)
            {
                int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                int pred = f switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) >> 1, _ => PngFormat.Paeth(a, b, c) };
                trial[i] = (byte)(cur[i] - pred);
                cost += Math.Abs((int)(sbyte)trial[i]);
            }
            if (cost < bestCost) { bestCost = cost; bestFilter = f; trial.CopyTo(best); }
        }
        dst.WriteByte((byte)bestFilter);
        dst.Write(best);
    }

    private static void Chunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, head[4..]);
        s.Write(head);
        s.Write(data);
        var crcInput = new byte[4 + data.Length];
        head[4..].CopyTo(crcInput);
        data.CopyTo(crcInput.AsSpan(4));
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.Compute(crcInput));
        s.Write(crc);
    }
}
