using Vitrum.Data.Datasets;
using Vitrum.Data.Transforms;
using Vitrum.Tensors;

namespace Vitrum.Data.Detection;

/// <summary>A digit placed on a canvas: its class (0-9) and the tight box of its ink, [X0, X1) x [Y0, Y1) in pixels.</summary>
internal readonly record struct PlacedDigit(int Digit, int X0, int Y0, int X1, int Y1)
{
    /// <summary>Whether this box comes closer than <paramref name="gap"/> pixels to <paramref name="o"/>.</summary>
    public bool Near(PlacedDigit o, int gap) => X0 < o.X1 + gap && o.X0 < X1 + gap && Y0 < o.Y1 + gap && o.Y0 < Y1 + gap;
}

/// <summary>
/// Draws one digit scene: grey digits scaled to a random size and pasted at random places on a black canvas, their
/// ink boxes kept <see cref="Gap"/> pixels apart so no digit covers another. A digit's ink is its pixels of at least
/// <see cref="InkThreshold"/>; its box is the tight box of those pixels once scaled, so a box neither cuts a visible
/// stroke nor holds empty margin beyond the anti-aliased fringe.
/// </summary>
internal sealed class DigitCanvas(DigitScenesOptions options)
{
    /// <summary>A quarter of full brightness: fainter fringe pixels are not counted as ink.</summary>
    public const byte InkThreshold = 64;

    /// <summary>The least distance in pixels between two digits' ink boxes.</summary>
    public const int Gap = 2;

    /// <summary>Random positions tried for a digit before it is left out of the scene.</summary>
    public const int PlacementTries = 30;

    private readonly ImageBuffer _source = new(), _scaled = new();

    /// <summary>
    /// Draws a scene from <paramref name="gen"/> (which first draws the digit count, <see cref="DrawCount"/>) with
    /// the digits <paramref name="digits"/> of <paramref name="source"/>, in order; a digit that finds no free place
    /// (or has no ink at its size) is left out.
    /// </summary>
    /// <returns>the canvas (grey bytes, rows of <c>CanvasSize</c>) and the digits drawn, in drawing order</returns>
    public (byte[] Pixels, List<PlacedDigit> Digits) Draw(Generator gen, ImageClassificationData source, ReadOnlySpan<int> digits)
    {
        int side = options.CanvasSize;
        var canvas = new byte[side * side];
        var placed = new List<PlacedDigit>();
        DrawCount(gen);
        foreach (int d in digits)
        {
            int size = options.MinDigitSize + gen.NextInt(options.MaxDigitSize - options.MinDigitSize + 1);
            if (!Scale(source.Image(d), source.Height, source.Width, size, out var patch, out int ph, out int pw, out var ink)) continue;
            for (int attempt = 0; attempt < PlacementTries; attempt++)
            {
                int top = gen.NextInt(side - ph + 1), left = gen.NextInt(side - pw + 1);
                var box = new PlacedDigit(source.Labels[d], left + ink.X0, top + ink.Y0, left + ink.X1, top + ink.Y1);
                if (placed.Any(p => p.Near(box, Gap))) continue;
                for (int y = 0; y < ph; y++)
                    for (int x = 0; x < pw; x++)
                    {
                        ref byte px = ref canvas[(top + y) * side + left + x];
                        px = Math.Max(px, patch[y * pw + x]);
                    }
                placed.Add(box);
                break;
            }
        }
        return (canvas, placed);
    }

    /// <summary>The number of digits of a scene: the first draw of its generator.</summary>
    public int DrawCount(Generator gen) => options.MinDigits + gen.NextInt(options.MaxDigits - options.MinDigits + 1);

    /// <summary>
    /// The digit's non-zero window scaled (bilinear) so its longer side is <paramref name="size"/>, as bytes, and the
    /// box of its ink in the scaled patch; false when the digit has no ink.
    /// </summary>
    private bool Scale(ReadOnlySpan<byte> digit, int h, int w, int size, out byte[] patch, out int ph, out int pw, out PlacedDigit ink)
    {
        (patch, ph, pw, ink) = (Array.Empty<byte>(), 0, 0, default);
        if (!InkBox(digit, h, w, 1, out var window)) return false;
        var s = _source.Resize(1, h, w);
        for (int i = 0; i < s.Length; i++) s[i] = digit[i] * (1f / 255f);
        int wh = window.Y1 - window.Y0, ww = window.X1 - window.X0;
        double f = (double)size / Math.Max(wh, ww);
        ph = Math.Clamp((int)Math.Round(wh * f), 1, options.CanvasSize);
        pw = Math.Clamp((int)Math.Round(ww * f), 1, options.CanvasSize);
        Sampling.ResizeWindow(_source, window.Y0, window.X0, wh, ww, _scaled, ph, pw);
        patch = new byte[ph * pw];
        for (int i = 0; i < patch.Length; i++) patch[i] = (byte)Math.Clamp(MathF.Round(_scaled.Data[i] * 255f), 0, 255);
        return InkBox(patch, ph, pw, InkThreshold, out ink);
    }

    /// <summary>The tight box of the pixels of at least <paramref name="threshold"/> in an h x w grey image; false when there are none.</summary>
    public static bool InkBox(ReadOnlySpan<byte> pixels, int h, int w, byte threshold, out PlacedDigit box)
    {
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (pixels[y * w + x] >= threshold)
                    (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
        box = new PlacedDigit(0, x0, y0, x1 + 1, y1 + 1);
        return x1 >= 0;
    }
}
