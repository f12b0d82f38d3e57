using Vitrum.Data.Transforms;
using Vitrum.Tensors;

namespace Vitrum.Data.Images;

/// <summary>
/// A coarse map (e.g. attention per patch) upsampled bilinearly, coloured with a jet-like ramp and blended over
/// the image. The colours span the map's own minimum to maximum, so a nearly flat map still shows where it peaks.
/// </summary>
public static class HeatMap
{
    /// <param name="image">the image as the model saw it, planar [C, H, W] in [0, 1] (1 or 3 channels)</param>
    /// <param name="map">[rows * cols] values</param>
    /// <param name="minSize">the output is scaled up (bilinear) until its shorter side is at least this</param>
    /// <param name="alpha">weight of the heat colour against the image</param>
    public static DecodedImage Overlay(ImageBuffer image, float[] map, int rows, int cols, int minSize = 224, float alpha = 0.5f)
    {
        if (map.Length != rows * cols) throw new ArgumentException($"HeatMap: {map.Length} values for a {rows}x{cols} map");
        if (image.Channels is not (1 or 3)) throw new ArgumentException($"HeatMap: an image with {image.Channels} channels (expected 1 or 3)");
        int scale = Math.Max(1, (minSize + Math.Min(image.Height, image.Width) - 1) / Math.Min(image.Height, image.Width));
        int h = image.Height * scale, w = image.Width * scale;
        var gen = new Generator(0);
        var shown = new ImageBuffer();
        new Resize(h, w).Apply(image, shown, gen);
        var coarse = new ImageBuffer();
        float lo = map.Min(), span = Math.Max(map.Max() - lo, 1e-12f);
        var stretched = coarse.Resize(1, rows, cols);
        for (int i = 0; i < map.Length; i++) stretched[i] = (map[i] - lo) / span;
        var fine = new ImageBuffer();
        new Resize(h, w).Apply(coarse, fine, gen);
        var px = new byte[h * w * 3];
        int plane = h * w;
        for (int i = 0; i < plane; i++)
        {
            var (r, g, b) = Jet(Math.Clamp(fine.Data[i], 0, 1));
            for (int c = 0; c < 3; c++)
            {
                float v = shown.Data[(shown.Channels == 3 ? c : 0) * plane + i];
                float heat = c == 0 ? r : c == 1 ? g : b;
                px[i * 3 + c] = (byte)Math.Clamp(MathF.Round(((1 - alpha) * v + alpha * heat) * 255), 0, 255);
            }
        }
        return new DecodedImage(w, h, 3, px);
    }

    /// <summary>The classic jet ramp: dark blue, blue, cyan, yellow, red, dark red.</summary>
    private static (float R, float G, float B) Jet(float t)
    {
        static float Ramp(float x) => Math.Clamp(1.5f - Math.Abs(x), 0, 1);
        return (Ramp(4 * t - 3), Ramp(4 * t - 2), Ramp(4 * t - 1));
    }
}
