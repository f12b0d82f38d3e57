using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Vitrum.Data.Images;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>
/// <see cref="ImageFile"/> against PIL's decoding of committed files (tools/images/make_image_fixtures.py):
/// every PNG colour type and depth, JPEG (baseline, progressive, grey, CMYK, EXIF orientation), BMP, GIF and
/// WebP; the grey/colour/alpha rule; PNG writing.
/// </summary>
public class ImageFileTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "images");

    private static Dictionary<string, JsonElement> Expected() =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(Dir, "expected.json")))!;

    private static (int W, int H, int C, byte[] Px) ExpectedOf(string name)
    {
        var e = Expected()[name];
        return (e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32(), e.GetProperty("channels").GetInt32(),
            Convert.FromBase64String(e.GetProperty("pixels").GetString()!));
    }

    private static bool IsLossy(string name) => name.EndsWith(".jpg", StringComparison.Ordinal);

    /// <summary>Refused on purpose: ImageSharp 2.1 cannot decode interlaced PNGs narrower than 5 pixels (InterlacedPngCheck).</summary>
    private const string TooNarrowInterlaced = "rgba8_interlaced_1x1.png";

    public static IEnumerable<object[]> Fixtures(bool lossy) =>
        Expected().Keys.Where(k => IsLossy(k) == lossy && k != TooNarrowInterlaced).Order(StringComparer.Ordinal).Select(k => new object[] { k });

    public static IEnumerable<object[]> LosslessFixtures() => Fixtures(false);

    public static IEnumerable<object[]> JpegFixtures() => Fixtures(true);

    [Theory]
    [MemberData(nameof(LosslessFixtures))]
    public void Png_bmp_gif_and_lossless_webp_decode_exactly_like_PIL(string name)
    {
        var img = ImageFile.Load(Path.Combine(Dir, name));
        var (w, h, c, px) = ExpectedOf(name);
        Assert.Equal((w, h, c), (img.Width, img.Height, img.Channels));
        Assert.Equal(px, img.Pixels);
    }

    /// <summary>
    /// JPEG decoders may round the inverse DCT differently, and they upsample 4:2:0 chroma differently: PIL's
    /// libjpeg-turbo interpolates it ("fancy upsampling"), ImageSharp 2.1 does not, which on progressive.jpg's
    /// steep colour ramps (8 levels a pixel) moves colours by up to 13 levels, 3 on average. Full-resolution
    /// chroma (4:4:4) and grey files agree within 4 levels.
    /// </summary>
    [Theory]
    [MemberData(nameof(JpegFixtures))]
    public void Jpeg_decodes_like_PIL_within_a_few_levels(string name)
    {
        var img = ImageFile.Load(Path.Combine(Dir, name));
        var (w, h, c, px) = ExpectedOf(name);
        Assert.Equal((w, h, c), (img.Width, img.Height, img.Channels));
        var diff = px.Zip(img.Pixels, (a, b) => Math.Abs(a - b)).ToArray();
        var (max, mean) = name == "progressive.jpg" ? (16, 4.0) : (4, 1.0);
        Assert.True(diff.Max() <= max && diff.Average() < mean, $"{name}: max difference {diff.Max()}, mean {diff.Average():F2} from PIL");
    }

    [Fact]
    public void An_interlaced_png_narrower_than_5_pixels_is_refused_instead_of_hanging_or_decoding_wrongly()
    {
        var e = Assert.Throws<DataFormatException>(() => Within(10, () => ImageFile.Load(Path.Combine(Dir, TooNarrowInterlaced))));
        Assert.StartsWith($"{TooNarrowInterlaced}: an interlaced PNG 1 pixels wide", e.Message);
    }

    [Fact]
    public void An_interlaced_png_whose_data_ends_early_is_refused_instead_of_hanging()
    {
        var png = File.ReadAllBytes(Path.Combine(Dir, "rgba16_interlaced.png"));
        var e = Assert.Throws<DataFormatException>(() => Within(10, () => ImageFile.Decode(png[..(png.Length * 2 / 3)], "cut.png")));
        Assert.StartsWith("cut.png: invalid PNG: the interlaced image data inflates to ", e.Message);
    }

    /// <summary>Runs <paramref name="decode"/> on another thread and fails the test if it has not returned after <paramref name="seconds"/>.</summary>
    private static void Within(int seconds, Action decode)
    {
        Exception? error = null;
        var t = new Thread(() => { try { decode(); } catch (Exception ex) { error = ex; } }) { IsBackground = true };
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(seconds)), $"decoding did not return within {seconds} s");
        if (error != null) throw error;
    }

    [Fact]
    public void The_fixtures_cover_every_format_and_the_jpeg_kinds()
    {
        var names = Expected().Keys.ToHashSet();
        Assert.Superset(new HashSet<string> { "progressive.jpg", "grey.jpg", "cmyk.jpg", "ycck.jpg", "exif_orientation6.jpg", "rgb24.bmp", "palette8.bmp",
            "two_frames.gif", "lossless.webp", "lossless_rgba.webp", "grey16_interlaced.png", "palette8_trns.png" }, names);
    }

    [Fact]
    public void Exif_orientation_6_turns_the_stored_picture_a_quarter_clockwise()
    {
        var img = ImageFile.Load(Path.Combine(Dir, "exif_orientation6.jpg"));
        Assert.Equal((24, 32, 3), (img.Width, img.Height, img.Channels)); // stored 32 wide, 24 high
        // The stored picture's red grows to the right (x * 8); turned clockwise, it grows downwards.
        byte Red(int x, int y) => img.Pixels[(y * img.Width + x) * 3];
        Assert.True(Red(12, 30) > Red(12, 1) + 150, $"red at the top {Red(12, 1)}, at the bottom {Red(12, 30)}");
    }

    [Fact]
    public void A_gif_gives_its_first_frame()
    {
        var img = ImageFile.Load(Path.Combine(Dir, "two_frames.gif"));
        var (_, _, _, first) = ExpectedOf("two_frames.gif");
        Assert.Equal(first, img.Pixels);
        Assert.True(img.Pixels[0] < 40, "the second frame is the negative of the first, whose top-left is dark");
    }

    [Theory]
    [InlineData("grey8.png", 1)]
    [InlineData("grey16.png", 1)]
    [InlineData("grey.jpg", 1)]
    [InlineData("la8.png", 2)]
    [InlineData("grey8_trns.png", 2)]
    [InlineData("rgb444.jpg", 3)]
    [InlineData("cmyk.jpg", 3)]
    [InlineData("ycck.jpg", 3)]
    [InlineData("palette4.png", 3)]
    [InlineData("palette8.bmp", 3)]
    [InlineData("lossless.webp", 3)]
    [InlineData("rgb8_trns.png", 4)]
    [InlineData("palette8_trns.png", 4)]
    [InlineData("lossless_rgba.webp", 4)]
    public void Channels_follow_the_colour_type_the_file_declares(string name, int channels) =>
        Assert.Equal(channels, ImageFile.Load(Path.Combine(Dir, name)).Channels);

    [Fact]
    public void Grey_pixels_in_a_colour_or_palette_file_stay_colour_and_a_grey_file_stays_grey()
    {
        var greyPixels = new byte[] { 40, 40, 40, 200, 200, 200 };
        Assert.Equal(3, ImageFile.Decode(ImageFile.EncodePng(new DecodedImage(2, 1, 3, greyPixels)), "rgb.png").Channels);
        using (var palette = Image.LoadPixelData<Rgb24>(greyPixels, 2, 1))
        using (var s = new MemoryStream())
        {
            palette.SaveAsPng(s, new PngEncoder { ColorType = PngColorType.Palette });
            var img = ImageFile.Decode(s.ToArray(), "palette.png");
            Assert.Equal(3, img.Channels);
            Assert.Equal(greyPixels, img.Pixels);
        }
        var grey = ImageFile.Decode(ImageFile.EncodePng(new DecodedImage(2, 1, 1, new byte[] { 40, 200 })), "grey.png");
        Assert.Equal(1, grey.Channels);
        Assert.Equal(new byte[] { 40, 200 }, grey.Pixels);
    }

    [Fact]
    public void Eight_bit_images_round_trip_exactly_through_png_and_alpha_is_kept()
    {
        var rng = new Random(3);
        foreach (int c in new[] { 1, 2, 3, 4 })
        {
            var px = new byte[37 * 20 * c];
            rng.NextBytes(px);
            var back = ImageFile.Decode(ImageFile.EncodePng(new DecodedImage(37, 20, c, px)), "x.png");
            Assert.Equal((37, 20, c), (back.Width, back.Height, back.Channels));
            Assert.Equal(px, back.Pixels);
        }
    }

    [Fact]
    public void SavePng_writes_the_file_whole_and_leaves_no_temporary_behind()
    {
        var dir = Directory.CreateTempSubdirectory("vitrum-img-").FullName;
        try
        {
            var path = Path.Combine(dir, "a.png");
            ImageFile.SavePng(path, new DecodedImage(3, 2, 1, new byte[] { 1, 2, 3, 4, 5, 6 }));
            ImageFile.SavePng(path, new DecodedImage(2, 2, 1, new byte[] { 9, 8, 7, 6 }));
            Assert.Equal(new byte[] { 9, 8, 7, 6 }, ImageFile.Load(path).Pixels);
            Assert.Single(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EncodePng_refuses_pixels_that_do_not_match_the_size()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageFile.EncodePng(new DecodedImage(4, 4, 3, new byte[10])));
        Assert.Contains("4x4", e.Message);
    }

    [Fact]
    public void Files_are_told_apart_by_their_signature_not_their_extension()
    {
        var dir = Directory.CreateTempSubdirectory("vitrum-img-").FullName;
        try
        {
            var png = Path.Combine(dir, "really-a-png.jpg");
            File.WriteAllBytes(png, ImageFile.EncodePng(new DecodedImage(2, 2, 1, new byte[] { 1, 2, 3, 4 })));
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, ImageFile.Load(png).Pixels);
            var jpg = Path.Combine(dir, "really-a-jpeg.png");
            File.Copy(Path.Combine(Dir, "grey.jpg"), jpg);
            Assert.Equal(1, ImageFile.Load(jpg).Channels);
            var txt = Path.Combine(dir, "notes.png");
            File.WriteAllText(txt, "hello");
            var e = Assert.Throws<DataFormatException>(() => ImageFile.Load(txt));
            Assert.Equal("notes.png: not a PNG, JPEG, BMP, GIF or WebP image (it is a text file)", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Every_format_read_has_its_extension_listed()
    {
        foreach (var ext in new[] { "a.png", "b.JPG", "c.jpeg", "d.bmp", "e.gif", "f.webp" }) Assert.True(ImageFile.HasImageExtension(ext), ext);
        Assert.False(ImageFile.HasImageExtension("g.txt"));
        Assert.False(ImageFile.HasImageExtension("h.tiff"));
    }

    [Fact]
    public void A_truncated_jpeg_raises_DataFormatException_naming_the_file()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Dir, "rgb444.jpg"));
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(bytes[..40], "cut.jpg"));
        Assert.StartsWith("cut.jpg: invalid JPEG: ", e.Message);
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
