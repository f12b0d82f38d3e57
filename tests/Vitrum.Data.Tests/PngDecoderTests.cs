using System.Text.Json;
using Vitrum.Data.Images;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>The PNG decoder against PIL's decoding of committed files (tools/images/make_image_fixtures.py) and against our encoder for every colour type and depth.</summary>
public class PngDecoderTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "images");

    public static IEnumerable<object[]> PngFixtures() =>
        Expected().Keys.Where(k => k.EndsWith(".png", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(k => new object[] { k });

    internal static Dictionary<string, JsonElement> Expected() =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(Dir, "expected.json")))!;

    internal static (int W, int H, int C, byte[] Px) ExpectedOf(string name)
    {
        var e = Expected()[name];
        return (e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32(), e.GetProperty("channels").GetInt32(),
            Convert.FromBase64String(e.GetProperty("pixels").GetString()!));
    }

    [Theory]
    [MemberData(nameof(PngFixtures))]
    public void Decodes_like_PIL(string name)
    {
        var img = PngDecoder.Decode(File.ReadAllBytes(Path.Combine(Dir, name)), name);
        var (w, h, c, px) = ExpectedOf(name);
        Assert.Equal((w, h, c), (img.Width, img.Height, img.Channels));
        Assert.Equal(px, img.Pixels);
    }

    public static IEnumerable<object[]> Formats()
    {
        foreach (var (type, depths) in new (PngColorType, int[])[]
        {
            (PngColorType.Grey, new[] { 1, 2, 4, 8, 16 }), (PngColorType.Rgb, new[] { 8, 16 }), (PngColorType.Palette, new[] { 1, 2, 4, 8 }),
            (PngColorType.GreyAlpha, new[] { 8, 16 }), (PngColorType.Rgba, new[] { 8, 16 }),
        })
            foreach (var d in depths)
                foreach (var interlaced in new[] { false, true })
                    yield return new object[] { type, d, interlaced };
    }

    /// <summary>A raster of odd size (so Adam7 has partial and empty passes) with random samples, plus what the decoder should report.</summary>
    internal static (PngRaster Raster, byte[] Expected, int Channels) Random(PngColorType type, int depth, bool interlaced, int w = 11, int h = 6, int seed = 1)
    {
        var rng = new Random(seed);
        int spp = type switch { PngColorType.Grey or PngColorType.Palette => 1, PngColorType.GreyAlpha => 2, PngColorType.Rgb => 3, _ => 4 };
        int max = type == PngColorType.Palette ? Math.Min(1 << depth, 5) : 1 << depth;
        var samples = new ushort[w * h * spp];
        for (int i = 0; i < samples.Length; i++) samples[i] = (ushort)rng.Next(max);
        byte[]? palette = null;
        if (type == PngColorType.Palette)
        {
            palette = new byte[3 * max];
            rng.NextBytes(palette);
        }
        int oc = type == PngColorType.Palette ? 3 : spp;
        var expected = new byte[w * h * oc];
        for (int p = 0; p < w * h; p++)
            for (int k = 0; k < oc; k++)
                expected[p * oc + k] = type == PngColorType.Palette ? palette![3 * samples[p] + k]
                    : depth == 16 ? (byte)(samples[p * spp + k] >> 8)
                    : (byte)(samples[p * spp + k] * 255 / ((1 << depth) - 1));
        return (new PngRaster(w, h, type, depth, samples, palette, null, interlaced), expected, oc);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_colour_type_and_depth_round_trips_through_our_encoder(PngColorType type, int depth, bool interlaced)
    {
        var (raster, expected, channels) = Random(type, depth, interlaced);
        var img = PngDecoder.Decode(PngEncoder.Encode(raster), "round.png");
        Assert.Equal((11, 6, channels), (img.Width, img.Height, img.Channels));
        Assert.Equal(expected, img.Pixels);
    }

    [Fact]
    public void Eight_bit_images_round_trip_exactly_and_alpha_is_kept()
    {
        var rng = new Random(3);
        foreach (int c in new[] { 1, 2, 3, 4 })
        {
            var px = new byte[37 * 20 * c];
            rng.NextBytes(px);
            var back = PngDecoder.Decode(PngEncoder.Encode(new DecodedImage(37, 20, c, px)), "x.png");
            Assert.Equal(c, back.Channels);
            Assert.Equal(px, back.Pixels);
        }
    }

    [Fact]
    public void Transparency_of_a_colour_key_becomes_an_alpha_channel()
    {
        var samples = new ushort[] { 0, 0, 0, 10, 20, 30, 0, 0, 0 };
        var trns = new byte[] { 0, 0, 0, 0, 0, 0 };
        var img = PngDecoder.Decode(PngEncoder.Encode(new PngRaster(3, 1, PngColorType.Rgb, 8, samples, null, trns)), "k.png");
        Assert.Equal(4, img.Channels);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 10, 20, 30, 255, 0, 0, 0, 0 }, img.Pixels);
    }

    [Fact]
    public void A_corrupt_chunk_fails_its_crc_check_and_the_message_names_the_file()
    {
        var png = PngEncoder.Encode(new DecodedImage(4, 4, 1, new byte[16]));
        png[30] ^= 0x40; // inside IHDR's data
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png, "broken.png"));
        Assert.Contains("broken.png", e.Message);
        Assert.Contains("CRC", e.Message);
    }

    [Fact]
    public void ToBuffer_drops_alpha_and_scales_to_unit_range()
    {
        var img = new DecodedImage(2, 1, 4, new byte[] { 255, 0, 51, 7, 0, 255, 102, 9 });
        var buf = new Vitrum.Data.Transforms.ImageBuffer();
        img.ToBuffer(buf);
        Assert.Equal((3, 1, 2), (buf.Channels, buf.Height, buf.Width));
        var expected = new[] { 1f, 0f, 0f, 1f, 0.2f, 0.4f };
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], buf.Data[i], 1e-6f);
    }
}
