using System.Text.Json;
using Vitrum.Data.Datasets;
using Vitrum.Data.Images;
using Vitrum.Data.Transforms;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>
/// Images reach a model in its channels as PIL's convert("L") / convert("RGB") makes them, bit for bit on 8-bit
/// data (tests/fixtures/images/converted.json, written by tools/images/make_image_fixtures.py with PIL): grey
/// repeated, ITU-R 601-2 luma in PIL's fixed point, alpha dropped, palettes expanded; CMYK and YCCK JPEGs decode.
/// Prediction and image folders use that one conversion; an unsupported JPEG variant is called so, not invalid.
/// </summary>
public class ImageConversionTests : IDisposable
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "images");

    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-convert-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static Dictionary<string, JsonElement> Json(string file) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(Dir, file)))!;

    /// <summary>PIL's decoding of a fixture, as expected.json holds it.</summary>
    private static DecodedImage Decoded(string name)
    {
        var e = Json("expected.json")[name];
        return new DecodedImage(e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32(), e.GetProperty("channels").GetInt32(),
            Convert.FromBase64String(e.GetProperty("pixels").GetString()!));
    }

    private static byte[] Pil(string name, int channels) =>
        Convert.FromBase64String(Json("converted.json")[name].GetProperty(channels == 1 ? "L" : "RGB").GetString()!);

    public static TheoryData<string, int> Conversions()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in Json("converted.json").Keys.Order(StringComparer.Ordinal))
            foreach (var c in new[] { 1, 3 }) data.Add(name, c);
        return data;
    }

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Every_fixture_converts_to_grey_and_rgb_exactly_as_PIL_converts_it(string name, int channels)
    {
        var converted = Decoded(name).ToColorChannels(channels);
        Assert.Equal(channels, converted.Channels);
        Assert.Equal(Pil(name, channels), converted.Pixels);
    }

    [Fact]
    public void Luma_matches_PIL_on_colours_at_its_rounding_edges_where_a_truncated_299_587_114_formula_does_not()
    {
        var img = ImageFile.Load(Path.Combine(Dir, "luma_edges.png"));
        Assert.Equal(Pil("luma_edges.png", 1), img.ToColorChannels(1).Pixels);
        var p = img.Pixels;
        int truncatedMisses = Enumerable.Range(0, p.Length / 3).Count(i => (p[3 * i] * 299 + p[3 * i + 1] * 587 + p[3 * i + 2] * 114) / 1000 != Pil("luma_edges.png", 1)[i]);
        Assert.True(truncatedMisses > 100, $"the edge colours should tell the formulas apart ({truncatedMisses} differ)");
    }

    [Theory]
    [InlineData("cmyk.jpg")]
    [InlineData("ycck.jpg")]
    public void Cmyk_and_ycck_jpegs_decode_to_PILs_rgb_within_jpeg_rounding(string name)
    {
        var img = ImageFile.Load(Path.Combine(Dir, name));
        var pil = Decoded(name);
        Assert.Equal((pil.Width, pil.Height, 3), (img.Width, img.Height, img.Channels));
        var diff = pil.Pixels.Zip(img.Pixels, (a, b) => Math.Abs(a - b)).ToArray();
        Assert.True(diff.Max() <= 4, $"{name}: max difference {diff.Max()} from PIL");
    }

    [Fact]
    public void An_arithmetic_coded_jpeg_is_refused_as_an_unsupported_variant_not_as_invalid()
    {
        var jpeg = File.ReadAllBytes(Path.Combine(Dir, "rgb444.jpg"));
        int sof = jpeg.AsSpan().IndexOf(new byte[] { 0xff, 0xc0 });
        jpeg[sof + 1] = 0xc9; // SOF9: extended sequential, arithmetic coding
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(jpeg, "arith.jpg"));
        Assert.StartsWith("arith.jpg: unsupported JPEG variant: ", e.Message);
        Assert.Contains("arithmetic", e.Message);
        Assert.DoesNotContain("invalid", e.Message);
    }

    private string Fixture(string name, string rel)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.Copy(Path.Combine(Dir, name), p);
        return p;
    }

    [Theory]
    [InlineData("rgb8.png", 1)]
    [InlineData("rgba8.png", 1)]
    [InlineData("palette4.png", 1)]
    [InlineData("grey8.png", 3)]
    [InlineData("la8.png", 3)]
    public void Prediction_converts_an_image_of_other_channels_to_the_models_as_PIL_does(string name, int channels)
    {
        var path = Fixture(name, name);
        var unit = new Preprocess(Enumerable.Repeat(0f, channels).ToArray(), Enumerable.Repeat(1f, channels).ToArray());
        using var batch = unit.LoadBatch([path], channels, 9, out _);
        Assert.Equal(new[] { 1, channels, 9, 9 }, batch.Shape);
        // 13x9 fixtures: the shorter side is already 9, so the centre crop keeps columns 2..10 of PIL's conversion.
        var pil = Pil(name, channels);
        var x = batch.ToArray();
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < 9; y++)
                for (int col = 0; col < 9; col++)
                    Assert.Equal(pil[(y * 13 + col + 2) * channels + c] / 255f, x[(c * 9 + y) * 9 + col], 1e-6f);
    }

    [Fact]
    public void An_image_folder_read_for_a_grey_model_converts_its_colour_images_by_PILs_luma()
    {
        Fixture("rgb8.png", Path.Combine("a", "1.png"));
        Fixture("grey8.png", Path.Combine("b", "1.png"));
        var data = ImageFolder.LoadForEvaluation(_dir, 9, channels: 1);
        Assert.Equal(1, data.Channels);
        var pil = Pil("rgb8.png", 1);
        for (int y = 0; y < 9; y++)
            for (int col = 0; col < 9; col++)
                Assert.Equal(pil[y * 13 + col + 2], data.Image(0)[y * 9 + col]);
        Assert.Equal(3, ImageFolder.LoadForEvaluation(_dir, 9).Channels); // its own rule: colour when any image is
    }

    [Fact]
    public void A_folder_with_too_few_images_for_a_test_split_says_how_many_each_class_has_and_needs()
    {
        for (int i = 0; i < 4; i++) Fixture("grey8.png", Path.Combine("cats", $"{i}.png"));
        for (int i = 0; i < 6; i++) Fixture("grey8.png", Path.Combine("dogs", $"{i}.png"));
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.LoadSplit(_dir, 9));
        Assert.Contains("too few images", e.Message);
        Assert.Contains("cats 4, dogs 6", e.Message);
        Assert.Contains($"needs at least {ImageFolder.TestEvery}", e.Message);
        Assert.DoesNotContain("holds no", e.Message);
    }
}
