using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Models;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// predict, attention and eval take images of any channels as PIL's convert makes them the model's (a grey model
/// reads an RGB PNG by PIL's luma, a colour model a grey JPEG by repetition), and eval matches the data set's class
/// names to the weights' by name: another order or a subset is mapped, a name the weights lack is refused (exit 1).
/// </summary>
public class CliInputConversionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-cli-conv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "images", name);

    private const string Colour = """{"family": "vit", "img_size": 16, "patch_size": 4, "in_chans": 3, "num_classes": 2, "embed_dim": 16, "depth": 1, "num_heads": 2}""";

    /// <summary>Seeded weights of <paramref name="configJson"/> with the config (and class names) in their metadata, as train writes them.</summary>
    private string Weights(string name, string configJson, params string[] classes)
    {
        var config = ModelRegistry.ParseJson(configJson);
        var meta = new Dictionary<string, string> { ["config"] = config.ToJson() };
        if (classes.Length > 0) meta["classes"] = JsonSerializer.Serialize(classes);
        var path = Path.Combine(_dir, name);
        SafetensorsWriter.Save(path, ModelRegistry.Create(config, seed: 3).StateDict(), meta);
        return path;
    }

    private string Png(string rel, DecodedImage image)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        ImageFile.SavePng(p, image);
        return p;
    }

    /// <summary>The top-2 probabilities predict prints for each image, in order.</summary>
    private static double[][] Predict(string weights, params string[] images)
    {
        var (code, output, err) = Run(["predict", "--weights", weights, .. images, "--top", "2", "--json"]);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(LastLine(output));
        return doc.RootElement.GetProperty("predictions").EnumerateArray()
            .Select(r => r.GetProperty("top").EnumerateArray().Select(t => t.GetProperty("probability").GetDouble()).ToArray()).ToArray();
    }

    [Fact]
    public void A_colour_model_predicts_a_grey_image_as_its_grey_repeated_into_rgb()
    {
        var weights = Weights("colour.safetensors", Colour);
        var grey = Enumerable.Range(0, 20 * 18).Select(i => (byte)(i * 7 % 256)).ToArray();
        var greyPng = Png("grey.png", new DecodedImage(20, 18, 1, grey));
        var repeated = Png("repeated.png", new DecodedImage(20, 18, 3, grey.SelectMany(v => new[] { v, v, v }).ToArray()));
        var p = Predict(weights, greyPng, repeated, Fixture("grey.jpg"));
        Assert.Equal(p[1], p[0]);
        Assert.Equal(1.0, p[2].Sum(), 4);

        var (code, _, err) = Run("attention", "--weights", weights, Fixture("grey.jpg"), "--out", Path.Combine(_dir, "map.png"));
        Assert.True(code == 0, err);
        Assert.Equal(3, ImageFile.Load(Path.Combine(_dir, "map.png")).Channels);
    }

    [Fact]
    public void A_grey_model_predicts_an_rgb_image_as_PILs_luma_of_it()
    {
        var weights = Weights("grey.safetensors", Colour.Replace("\"in_chans\": 3", "\"in_chans\": 1"));
        using var converted = JsonDocument.Parse(File.ReadAllText(Fixture("converted.json")));
        var luma = Convert.FromBase64String(converted.RootElement.GetProperty("rgb8.png").GetProperty("L").GetString()!);
        var pilGrey = Png("rgb8_L.png", new DecodedImage(13, 9, 1, luma));
        var p = Predict(weights, Fixture("rgb8.png"), pilGrey, Fixture("cmyk.jpg"));
        Assert.Equal(p[1], p[0]);
        Assert.Equal(1.0, p[2].Sum(), 4);
    }

    /// <summary>Ten 16x16 images per class, bright or dark.</summary>
    private string Folder(string name, params string[] classes)
    {
        var rng = new Random(5);
        foreach (var c in classes)
            for (int i = 0; i < 10; i++)
                Png(Path.Combine(name, c, $"{i}.png"), new DecodedImage(16, 16, 3, Enumerable.Range(0, 768).Select(_ => (byte)(c == "dark" ? rng.Next(0, 90) : rng.Next(160, 256))).ToArray()));
        return Path.Combine(_dir, name);
    }

    /// <summary>The same model with its two outputs swapped and its class names with them: it predicts exactly what <paramref name="weights"/> predicts.</summary>
    private string Swapped(string weights, string name, params string[] classes)
    {
        var tensors = new Dictionary<string, Tensor>();
        Dictionary<string, string> meta;
        using (var f = SafetensorsFile.Open(weights))
        {
            foreach (var e in f.Entries) tensors[e.Name] = f.Load(e.Name);
            meta = f.Metadata.ToDictionary();
        }
        foreach (var key in new[] { "head.weight", "head.bias" })
        {
            var t = tensors[key];
            int row = t.Numel / 2;
            var v = t.ToArray();
            tensors[key] = Tensor.FromArray([.. v[row..], .. v[..row]], t.Shape);
        }
        meta["classes"] = JsonSerializer.Serialize(classes);
        var path = Path.Combine(_dir, name);
        SafetensorsWriter.Save(path, tensors, meta);
        return path;
    }

    /// <summary>Accuracy and loss of --json, and what went to stderr.</summary>
    private static (double Accuracy, double Loss, string Err) Eval(string weights, string dataset)
    {
        var (code, output, err) = Run("eval", "--weights", weights, "--dataset", dataset, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(LastLine(output));
        return (doc.RootElement.GetProperty("test_accuracy").GetDouble(), doc.RootElement.GetProperty("test_loss").GetDouble(), err);
    }

    [Fact]
    public void Eval_maps_classes_in_another_order_or_a_subset_by_name()
    {
        var both = Folder("both", "bright", "dark");
        var darkOnly = Folder("dark_only", "dark");
        var inOrder = Weights("in_order.safetensors", Colour, "bright", "dark");
        var reversed = Swapped(inOrder, "reversed.safetensors", "dark", "bright");
        var (accuracy, loss, _) = Eval(inOrder, both);
        var mapped = Eval(reversed, both);
        Assert.Equal((accuracy, loss), (mapped.Accuracy, mapped.Loss));
        Assert.Contains("another order; labels mapped by name", mapped.Err);
        var subset = Eval(inOrder, darkOnly);
        Assert.Contains("has 1 of the weights' 2 classes; labels mapped by name", subset.Err);
        var subsetMapped = Eval(reversed, darkOnly);
        Assert.Equal((subset.Accuracy, subset.Loss), (subsetMapped.Accuracy, subsetMapped.Loss));
    }

    [Fact]
    public void Eval_refuses_classes_the_weights_do_not_name_in_one_line_naming_both_lists()
    {
        var weights = Weights("pets.safetensors", Colour, "cat", "dog");
        var (code, output, err) = Run("eval", "--weights", weights, "--dataset", Folder("lights", "bright", "dark"));
        Assert.Equal(1, code);
        Assert.Equal("", output);
        var line = ErrorLine(err);
        Assert.Contains("2 classes (bright, dark)", line);
        Assert.Contains("2 classes (cat, dog)", line);
        Assert.Contains("not among them: 2 classes (bright, dark)", line);

        var many = Folder("many", Enumerable.Range(0, 14).Select(i => $"c{i:D2}").ToArray());
        (code, _, err) = Run("eval", "--weights", weights, "--dataset", many);
        Assert.Equal(1, code);
        Assert.Contains("14 classes (c00, c01, c02, c03, c04, c05, c06, c07, c08, c09 and 4 more)", ErrorLine(err));
    }
}
