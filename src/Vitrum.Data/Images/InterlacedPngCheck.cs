using System.Buffers.Binary;
using System.IO.Compression;

namespace Vitrum.Data.Images;

/// <summary>
/// Two faults of ImageSharp 2.1.13's interlaced (Adam7) PNG reader, found by ImageFileFuzzTests and our
/// fixtures, turned into errors before it runs:
/// <list type="bullet">
/// <item>It never returns when the image data ends before the last pass: the label it jumps to at the end of
/// the data sits inside its loop over passes, which then starts the same pass again forever (non-interlaced
/// PNGs leave that loop and keep the rows they got). So an interlaced file's data is inflated and counted
/// first: a one-off cost for interlaced files only, which are rare among photographs and training sets.</item>
/// <item>When a pass has no columns (images narrower than 5 pixels) it skips the pass without moving to the
/// next pass's first row, so it reads rows into the wrong places, or runs out of data and hangs as above:
/// every width 1-4 was wrong or hung in a trial of all sizes up to 24x24; widths 5-24 were all exact.</item>
/// </list>
/// </summary>
internal static class InterlacedPngCheck
{
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
    {
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    };

    /// <summary>Bytes of filtered scanlines (one filter byte per row) of the seven passes' sub-images.</summary>
    public static long ScanlineBytes(int width, int height, int bitsPerPixel)
    {
        long total = 0;
        foreach (var (x0, y0, dx, dy) in Adam7)
        {
            long w = (width - x0 + dx - 1) / dx, h = (height - y0 + dy - 1) / dy;
            if (w > 0 && h > 0) total += h * ((w * bitsPerPixel + 7) / 8 + 1);
        }
        return total;
    }

    /// <summary>Interlaced PNGs narrower than this are refused: ImageSharp 2.1.13 decodes them wrongly or hangs.</summary>
    public const int MinWidth = 5;

    /// <exception cref="DataFormatException">the image is narrower than <see cref="MinWidth"/>, or the IDAT chunks' zlib stream is invalid or inflates to fewer bytes than the passes need</exception>
    public static void Require(byte[] file, int width, int height, int bitsPerPixel, string name)
    {
        if (width < MinWidth)
            throw new DataFormatException(name, $"an interlaced PNG {width} pixels wide: ImageSharp 2.1 cannot decode interlaced PNGs narrower than {MinWidth} pixels (save it without interlacing)");
        long expected = ScanlineBytes(width, height, bitsPerPixel), got = 0;
        var scratch = new byte[64 << 10];
        try
        {
            using var z = new ZLibStream(ImageData(file), CompressionMode.Decompress);
            for (int n; got < expected && (n = z.Read(scratch, 0, (int)Math.Min(scratch.Length, expected - got))) > 0;) got += n;
        }
        catch (InvalidDataException e) { throw new DataFormatException(name, $"invalid PNG: the image data is not a valid zlib stream ({e.Message})", e); }
        if (got < expected)
            throw new DataFormatException(name, $"invalid PNG: the interlaced image data inflates to {got} bytes, {width}x{height} needs {expected} (truncated?)");
    }

    /// <summary>The IDAT chunks' payloads joined, up to the first chunk that does not fit in the file.</summary>
    private static MemoryStream ImageData(byte[] file)
    {
        var idat = new MemoryStream();
        for (int pos = 8; pos + 12 <= file.Length;)
        {
            uint len = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos));
            if (len > file.Length - pos - 12) break;
            if (file.AsSpan(pos + 4, 4).SequenceEqual("IDAT"u8)) idat.Write(file, pos + 8, (int)len);
            pos += 12 + (int)len;
        }
        idat.Position = 0;
        return idat;
    }
}
