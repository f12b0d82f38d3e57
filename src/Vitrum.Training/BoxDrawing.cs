using System.Runtime.InteropServices;
using SkiaSharp;
using Vitrum.Data.Images;

namespace Vitrum.Training;

/// <summary>A box to draw: corners in pixels of the image drawn on, its caption, and the key that picks its colour (the class).</summary>
public readonly record struct DrawnBox(float X0, float Y0, float X1, float Y1, string Caption, long ColorKey);

/// <summary>
/// Labelled boxes drawn onto an image, as detection demos show them: an outline per box in a colour of its class and
/// the caption on a filled tag at its top-left corner. Skia draws them (with the charts' embedded font, so every
/// machine draws the same picture); small images are first enlarged by whole pixels so the captions stay readable.
/// </summary>
public static class BoxDrawing
{
    /// <summary>Matplotlib's tab10 colours: distinct, and dark enough for white text.</summary>
    private static readonly SKColor[] Palette =
    {
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    };

    /// <summary>The factor (a whole number) that brings the shorter side of a width x height image to at least <paramref name="minSize"/>.</summary>
    public static int Enlargement(int width, int height, int minSize) =>
        Math.Max(1, (minSize + Math.Min(width, height) - 1) / Math.Min(width, height));

    /// <param name="image">any channel count (grey is drawn in colour, alpha is dropped)</param>
    /// <param name="boxes">in pixels of <paramref name="image"/></param>
    /// <param name="minSize">the picture is enlarged (nearest neighbour, by <see cref="Enlargement"/>) until its shorter side is at least this</param>
    /// <returns>an RGB picture, <see cref="Enlargement"/> times the image's size</returns>
    public static DecodedImage Draw(DecodedImage image, IReadOnlyList<DrawnBox> boxes, int minSize = 256)
    {
        int scale = Enlargement(image.Width, image.Height, minSize);
        int w = image.Width * scale, h = image.Height * scale;
        var rgb = image.ToColorChannels(3).Pixels;
        var rgba = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int s = ((y / scale) * image.Width + x / scale) * 3, d = (y * w + x) * 4;
                (rgba[d], rgba[d + 1], rgba[d + 2], rgba[d + 3]) = (rgb[s], rgb[s + 1], rgb[s + 2], 255);
            }
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        CopyRows(rgba, bitmap, toBitmap: true);
        using (var canvas = new SKCanvas(bitmap))
        {
            float side = Math.Min(w, h);
            float stroke = Math.Max(2f, MathF.Round(side / 250f));
            using var font = new SKFont(ChartFont.EmbeddedTypeface, Math.Clamp(side / 32f, 11f, 26f));
            using var outline = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true };
            using var fill = new SKPaint { Style = SKPaintStyle.Fill };
            using var text = new SKPaint { Color = SKColors.White, IsAntialias = true };
            font.GetFontMetrics(out var metrics);
            float textHeight = metrics.Descent - metrics.Ascent, pad = MathF.Ceiling(textHeight / 6);
            foreach (var b in boxes)
            {
                var colour = Palette[(int)(((b.ColorKey % Palette.Length) + Palette.Length) % Palette.Length)];
                var rect = new SKRect(b.X0 * scale, b.Y0 * scale, b.X1 * scale, b.Y1 * scale);
                outline.Color = fill.Color = colour;
                canvas.DrawRect(rect, outline);
                if (b.Caption.Length == 0) continue;
                float tagWidth = font.MeasureText(b.Caption) + 2 * pad, tagHeight = textHeight + 2 * pad;
                // Above the box where there is room, else just inside its top; kept within the picture.
                float left = Math.Clamp(rect.Left - stroke / 2, 0, Math.Max(0, w - tagWidth));
                float top = rect.Top - stroke / 2 - tagHeight >= 0 ? rect.Top - stroke / 2 - tagHeight : Math.Clamp(rect.Top + stroke / 2, 0, Math.Max(0, h - tagHeight));
                canvas.DrawRect(new SKRect(left, top, left + tagWidth, top + tagHeight), fill);
                canvas.DrawText(b.Caption, left + pad, top + pad - metrics.Ascent, SKTextAlign.Left, font, text);
            }
        }
        CopyRows(rgba, bitmap, toBitmap: false);
        var px = new byte[w * h * 3];
        for (int i = 0, j = 0; i < px.Length; i += 3, j += 4) (px[i], px[i + 1], px[i + 2]) = (rgba[j], rgba[j + 1], rgba[j + 2]);
        return new DecodedImage(w, h, 3, px);
    }

    /// <summary>Copies tightly packed RGBA rows into the bitmap or back (its rows may be padded).</summary>
    private static void CopyRows(byte[] rgba, SKBitmap bitmap, bool toBitmap)
    {
        int row = bitmap.Width * 4;
        var pixels = bitmap.GetPixels();
        for (int y = 0; y < bitmap.Height; y++)
        {
            var at = pixels + y * bitmap.RowBytes;
            if (toBitmap) Marshal.Copy(rgba, y * row, at, row);
            else Marshal.Copy(at, rgba, y * row, row);
        }
    }
}
