using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Vitrum.Data.Images;

namespace Vitrum.Cli.Tests;

/// <summary>
/// A small image folder a user might bring: the digits 0, 1 and 7 drawn as coloured strokes on noisy dark
/// backgrounds at 64x64 RGB, varied in position, size, slant and thickness, every other file a JPEG.
/// </summary>
public static class DigitFolder
{
    public const int Side = 64;

    public static readonly string[] Classes = { "one", "seven", "zero" };

    /// <summary>Writes <paramref name="perClass"/> images of each class under DIR/&lt;class&gt;/ and returns DIR.</summary>
    public static string Write(string dir, int perClass, int seed)
    {
        var rng = new Random(seed);
        foreach (var name in Classes)
        {
            Directory.CreateDirectory(Path.Combine(dir, name));
            for (int i = 0; i < perClass; i++)
                Save(Path.Combine(dir, name, $"{i:D3}.{(i % 2 == 0 ? "png" : "jpg")}"), Draw(name, rng));
        }
        return dir;
    }

    /// <summary>One image of <paramref name="digit"/> ("zero", "one" or "seven") as PNG or JPEG by the extension.</summary>
    public static void Save(string path, byte[] rgb)
    {
        if (path.EndsWith(".png", StringComparison.Ordinal)) ImageFile.SavePng(path, new DecodedImage(Side, Side, 3, rgb));
        else
        {
            using var image = Image.LoadPixelData<Rgb24>(rgb, Side, Side);
            image.SaveAsJpeg(path);
        }
    }

    /// <returns>64 x 64 x 3 bytes, rows of interleaved RGB</returns>
    public static byte[] Draw(string digit, Random rng)
    {
        double cx = 32 + rng.Next(-6, 7), cy = 32 + rng.Next(-6, 7), h = rng.Next(16, 23), w = h * (0.55 + 0.15 * rng.NextDouble());
        double slant = 0.25 * (rng.NextDouble() - 0.5), half = 2 + 1.5 * rng.NextDouble();
        var ink = new[] { (byte)rng.Next(160, 256), (byte)rng.Next(160, 256), (byte)rng.Next(160, 256) };
        var paper = new[] { rng.Next(0, 70), rng.Next(0, 70), rng.Next(0, 70) };
        var pixels = new byte[Side * Side * 3];
        for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
            {
                // Undo the slant so the shapes below are upright.
                double u = x - cx + slant * (y - cy), v = y - cy;
                bool on = digit switch
                {
                    "one" => Segment(u, v, 0, -h, 0, h) < half || Segment(u, v, 0, -h, -w / 2, -h / 2) < half,
                    "seven" => Segment(u, v, -w, -h, w, -h) < half || Segment(u, v, w, -h, -w / 3, h) < half,
                    _ => Math.Abs(Math.Sqrt(u * u / (w * w) + v * v / (h * h)) - 1) * Math.Min(w, h) < half,
                };
                for (int c = 0; c < 3; c++)
                    pixels[(y * Side + x) * 3 + c] = on ? ink[c] : (byte)Math.Clamp(paper[c] + rng.Next(-20, 21), 0, 255);
            }
        return pixels;
    }

    /// <summary>Distance of (u, v) from the segment (x0, y0)-(x1, y1).</summary>
    private static double Segment(double u, double v, double x0, double y0, double x1, double y1)
    {
        double dx = x1 - x0, dy = y1 - y0;
        double t = Math.Clamp(((u - x0) * dx + (v - y0) * dy) / (dx * dx + dy * dy), 0, 1);
        return Math.Sqrt(Math.Pow(u - x0 - t * dx, 2) + Math.Pow(v - y0 - t * dy, 2));
    }
}
