namespace Vitrum.Data.Images;

/// <summary>PNG colour types (the IHDR byte).</summary>
public enum PngColorType : byte
{
    Grey = 0,
    Rgb = 2,
    Palette = 3,
    GreyAlpha = 4,
    Rgba = 6,
}

/// <summary>What the PNG specification (ISO/IEC 15948, W3C PNG 2nd edition) fixes for both the decoder and the encoder.</summary>
internal static class PngFormat
{
    public static ReadOnlySpan<byte> Signature => new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 };

    /// <summary>Adam7: each pass's first column/row and step (spec section 8.2).</summary>
    public static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
    {
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    };

    public static int SamplesPerPixel(PngColorType t) => t switch
    {
        PngColorType.Grey or PngColorType.Palette => 1,
        PngColorType.GreyAlpha => 2,
        PngColorType.Rgb => 3,
        _ => 4,
    };

    /// <summary>Whether the spec allows this bit depth for this colour type (table 11.1).</summary>
    public static bool ValidDepth(PngColorType t, int depth) => t switch
    {
        PngColorType.Grey => depth is 1 or 2 or 4 or 8 or 16,
        PngColorType.Palette => depth is 1 or 2 or 4 or 8,
        PngColorType.Rgb or PngColorType.GreyAlpha or PngColorType.Rgba => depth is 8 or 16,
        _ => false,
    };

    /// <summary>The passes as (pass, width, height) of their sub-images; one pass covering everything when not interlaced. Empty passes are left out (they have no rows in the data).</summary>
    public static IEnumerable<(int Pass, int Width, int Height)> Passes(int width, int height, bool interlaced)
    {
        if (!interlaced)
        {
            yield return (-1, width, height);
            yield break;
        }
        for (int p = 0; p < 7; p++)
        {
            var (x0, y0, dx, dy) = Adam7[p];
            int w = (width - x0 + dx - 1) / dx, h = (height - y0 + dy - 1) / dy;
            if (w > 0 && h > 0) yield return (p, w, h);
        }
    }

    /// <summary>Bytes of one scanline without its filter byte.</summary>
    public static long RowBytes(long width, int bitsPerPixel) => (width * bitsPerPixel + 7) / 8;

    /// <summary>The Paeth predictor (spec section 9.4).</summary>
    public static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
