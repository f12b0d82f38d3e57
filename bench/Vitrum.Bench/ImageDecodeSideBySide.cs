using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using StbImageSharp;
using Vitrum.Data.Images;
using static Vitrum.Bench.SideBySideTiming;

namespace Vitrum.Bench;

/// <summary>
/// Image decoding on one thread, images per CPU second: SixLabors.ImageSharp 2.1.13 against StbImageSharp 2.30.16
/// on JPEG (quality 90, 4:2:0) and PNG (RGB, 8 bits) at 224x224 and 500x375, plus <see cref="ImageFile.Decode"/>
/// (ImageSharp with its header checks and copy into a DecodedImage), the path every image of Vitrum takes. The
/// pictures are made here: smooth random waves plus a little pixel noise, so their sizes are like photographs',
/// encoded by ImageSharp. Why ImageSharp was chosen, with the figures: <see cref="ImageFile"/>.
/// </summary>
public sealed class ImageDecodeSideBySide : ISideBySide
{
    public string Name => "image-decode";

    public string Description => "ImageSharp vs StbImageSharp (and ImageFile) decoding JPEG/PNG at 224x224 and 500x375, one thread (--images 8 --reps 7)";

    private static readonly Configuration OneThread = CreateConfiguration();

    private static Configuration CreateConfiguration()
    {
        var c = Configuration.Default.Clone();
        c.MaxDegreeOfParallelism = 1;
        return c;
    }

    public int Run(string[] args)
    {
        int count = IntArg(args, "--images", 8), reps = IntArg(args, "--reps", 7);
        StbImage.stbi_set_flip_vertically_on_load(0);
        Console.WriteLine($"{count} different images per kind, {reps} interleaved rounds, one thread; images per CPU second of the thread (median round)");
        Console.WriteLine($"{"kind",-14} {"bytes",8} {"ImageSharp",11} {"Stb",9} {"ImageFile",10}   max |ImageSharp - Stb|");
        foreach (var (w, h) in new[] { (224, 224), (500, 375) })
            foreach (var jpeg in new[] { true, false })
            {
                var files = Enumerable.Range(0, count).Select(i => Encode(Picture(w, h, seed: 100 * w + i), jpeg)).ToArray();
                byte[][] sharp = new byte[count][], stb = new byte[count][];
                var bodies = new Action[]
                {
                    () => { for (int i = 0; i < count; i++) sharp[i] = DecodeImageSharp(files[i]); },
                    () => { for (int i = 0; i < count; i++) stb[i] = ImageResult.FromMemory(files[i], ColorComponents.RedGreenBlue).Data; },
                    () => { for (int i = 0; i < count; i++) _ = ImageFile.Decode(files[i], "b"); },
                };
                var t = CpuRoundRobin(reps, 10, bodies);
                double Rate(int k) => count / (Median(t[k]) / 1000);
                int worst = sharp.Zip(stb, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
                string kind = $"{(jpeg ? "JPEG" : "PNG")} {w}x{h}";
                Console.WriteLine($"{kind,-14} {files.Average(f => f.Length),8:F0} {Rate(0),11:F0} {Rate(1),9:F0} {Rate(2),10:F0}   {worst}");
            }
        return 0;
    }

    /// <summary>
    /// Like <see cref="SideBySideTiming.RoundRobin"/> but in CPU milliseconds of this thread: every decoder runs on the
    /// calling thread, and the shared machine's other load then only shows as cache effects, not as time descheduled.
    /// </summary>
    private static double[][] CpuRoundRobin(int reps, int warmup, IReadOnlyList<Action> bodies)
    {
        var times = bodies.Select(_ => new double[reps]).ToArray();
        for (int round = -warmup; round < reps; round++)
            for (int i = 0; i < bodies.Count; i++)
            {
                double start = ThreadClock.Milliseconds();
                bodies[i]();
                if (round >= 0) times[i][round] = ThreadClock.Milliseconds() - start;
            }
        return times;
    }

    private static byte[] DecodeImageSharp(byte[] file)
    {
        using var image = Image.Load<Rgb24>(OneThread, file);
        var rgb = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Rgb24>(rgb.AsSpan()));
        return rgb;
    }

    private static byte[] Encode(Image<Rgb24> picture, bool jpeg)
    {
        using var s = new MemoryStream();
        if (jpeg) picture.SaveAsJpeg(s, new JpegEncoder { Quality = 90, ColorType = JpegColorType.YCbCrRatio420 });
        else picture.SaveAsPng(s, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        picture.Dispose();
        return s.ToArray();
    }

    /// <summary>Three random plane waves per channel plus uniform noise of +-6 levels.</summary>
    private static Image<Rgb24> Picture(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var waves = Enumerable.Range(0, 9).Select(_ => (Fx: rng.NextDouble() * 0.08, Fy: rng.NextDouble() * 0.08, Phase: rng.NextDouble() * 6.3)).ToArray();
        var image = new Image<Rgb24>(w, h);
        var c = new byte[3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                for (int ch = 0; ch < 3; ch++)
                {
                    double v = 128;
                    for (int k = 0; k < 3; k++)
                    {
                        var (fx, fy, p) = waves[ch * 3 + k];
                        v += 40 * Math.Sin(fx * x + fy * y + p);
                    }
                    c[ch] = (byte)Math.Clamp(v + rng.Next(-6, 7), 0, 255);
                }
                image[x, y] = new Rgb24(c[0], c[1], c[2]);
            }
        return image;
    }
}
