namespace Vitrum.Data.Images;

/// <summary>
/// An RGB drawing surface for charts: filled rectangles, thick lines and text in a built-in 3x5 pixel font
/// (digits, the lower-case letters charts need, and . % - / :), scaled by an integer factor. Drawing outside the
/// surface is clipped.
/// </summary>
public sealed class Canvas(int width, int height)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    private readonly byte[] _px = Enumerable.Repeat((byte)255, width * height * 3).ToArray();

    public DecodedImage ToImage() => new(Width, Height, 3, _px.ToArray());

    public void Set(int x, int y, (byte R, byte G, byte B) c)
    {
        if ((uint)x >= Width || (uint)y >= Height) return;
        int o = (y * Width + x) * 3;
        (_px[o], _px[o + 1], _px[o + 2]) = c;
    }

    public void Fill(int x, int y, int w, int h, (byte, byte, byte) c)
    {
        for (int j = y; j < y + h; j++)
            for (int i = x; i < x + w; i++) Set(i, j, c);
    }

    /// <summary>A line <paramref name="thickness"/> pixels wide (Bresenham, stamped with a square).</summary>
    public void Line(double x0, double y0, double x1, double y1, (byte, byte, byte) c, int thickness = 2)
    {
        int ax = (int)Math.Round(x0), ay = (int)Math.Round(y0), bx = (int)Math.Round(x1), by = (int)Math.Round(y1);
        int dx = Math.Abs(bx - ax), dy = -Math.Abs(by - ay), sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1, err = dx + dy;
        while (true)
        {
            Fill(ax - thickness / 2, ay - thickness / 2, thickness, thickness, c);
            if (ax == bx && ay == by) return;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; ax += sx; }
            if (e2 <= dx) { err += dx; ay += sy; }
        }
    }

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/>.</summary>
    public static int TextWidth(string text, int scale) => text.Length * 4 * scale - scale;

    public void Text(int x, int y, string text, (byte, byte, byte) c, int scale = 2)
    {
        foreach (var ch in text)
        {
            if (Glyphs.TryGetValue(ch, out var rows))
                for (int r = 0; r < 5; r++)
                    for (int k = 0; k < 3; k++)
                        if ((rows[r] >> (2 - k) & 1) != 0) Fill(x + k * scale, y + r * scale, scale, scale, c);
            x += 4 * scale;
        }
    }

    /// <summary>Five rows of three bits (left = high bit) per character.</summary>
    private static readonly Dictionary<char, byte[]> Glyphs = new()
    {
        ['0'] = new byte[] { 7, 5, 5, 5, 7 }, ['1'] = new byte[] { 2, 6, 2, 2, 7 }, ['2'] = new byte[] { 7, 1, 7, 4, 7 },
        ['3'] = new byte[] { 7, 1, 7, 1, 7 }, ['4'] = new byte[] { 5, 5, 7, 1, 1 }, ['5'] = new byte[] { 7, 4, 7, 1, 7 },
        ['6'] = new byte[] { 7, 4, 7, 5, 7 }, ['7'] = new byte[] { 7, 1, 1, 1, 1 }, ['8'] = new byte[] { 7, 5, 7, 5, 7 },
        ['9'] = new byte[] { 7, 5, 7, 1, 7 }, ['.'] = new byte[] { 0, 0, 0, 0, 2 }, ['%'] = new byte[] { 5, 1, 2, 4, 5 },
        ['-'] = new byte[] { 0, 0, 7, 0, 0 }, ['/'] = new byte[] { 1, 1, 2, 4, 4 }, [':'] = new byte[] { 0, 2, 0, 2, 0 },
        [' '] = new byte[] { 0, 0, 0, 0, 0 },
        ['a'] = new byte[] { 0, 3, 5, 5, 3 }, ['c'] = new byte[] { 0, 3, 4, 4, 3 }, ['e'] = new byte[] { 2, 5, 7, 4, 3 },
        ['h'] = new byte[] { 4, 4, 7, 5, 5 }, ['i'] = new byte[] { 2, 0, 2, 2, 2 }, ['l'] = new byte[] { 6, 2, 2, 2, 7 },
        ['n'] = new byte[] { 0, 6, 5, 5, 5 }, ['o'] = new byte[] { 0, 2, 5, 5, 2 }, ['p'] = new byte[] { 0, 6, 5, 6, 4 },
        ['r'] = new byte[] { 0, 5, 6, 4, 4 }, ['s'] = new byte[] { 0, 3, 6, 3, 6 }, ['t'] = new byte[] { 2, 7, 2, 2, 3 },
        ['u'] = new byte[] { 0, 5, 5, 5, 3 }, ['y'] = new byte[] { 0, 5, 3, 1, 6 }, ['m'] = new byte[] { 0, 7, 7, 5, 5 },
        ['g'] = new byte[] { 0, 3, 5, 3, 6 }, ['d'] = new byte[] { 1, 3, 5, 5, 3 }, ['b'] = new byte[] { 4, 6, 5, 5, 6 },
        ['k'] = new byte[] { 4, 5, 6, 5, 5 }, ['f'] = new byte[] { 3, 4, 6, 4, 4 }, ['v'] = new byte[] { 0, 5, 5, 5, 2 },
        ['w'] = new byte[] { 0, 5, 5, 7, 7 }, ['x'] = new byte[] { 0, 5, 2, 2, 5 }, ['z'] = new byte[] { 0, 7, 1, 2, 7 },
        ['j'] = new byte[] { 1, 0, 1, 1, 6 }, ['q'] = new byte[] { 0, 3, 5, 3, 1 },
    };
}
