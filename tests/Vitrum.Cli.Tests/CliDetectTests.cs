using System.Text.Json;
using Vitrum.Data.Coco;
using Vitrum.Data.Images;
using Vitrum.Models;
using Vitrum.Models.Detr;
using Vitrum.Models.Resnet;
using Vitrum.Nn.IO;
using Vitrum.Training;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// A tiny grey DETR end to end through the CLI: detect draws boxes and writes COCO results (and nothing when an image
/// is bad), predict on images prints the same detections, attention maps object queries, bench model times it at any size.
/// </summary>
public class CliDetectTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-detect-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Grey input, stride 32, 5 queries over 3 classes; images resized to a shorter side of 48, longer at most 64.</summary>
    private static readonly DetrConfig Tiny = new()
    {
        Backbone = DetrConfig.Custom, HiddenDim = 16, NHeads = 2, EncLayers = 1, DecLayers = 2, DimFeedforward = 32, NumQueries = 5, NumClasses = 3,
        ImgSize = 48, MaxSize = 64,
        BackboneConfig = new ResnetConfig { Block = ResnetConfig.Basic, Layers = new[] { 1, 1, 1, 1 }, Channels = new[] { 4, 8, 8, 16 }, StemWidth = 4, InChans = 1 },
    };

    private static readonly string[] Classes = { "zero", "one", "two" };

    /// <summary>Seeded weights with the config and class names in their metadata, as train writes them.</summary>
    private string Weights()
    {
        var path = Path.Combine(_dir, "tiny_detr.safetensors");
        var meta = new Dictionary<string, string> { ["config"] = Tiny.ToJson(), ["classes"] = JsonSerializer.Serialize(Classes) };
        SafetensorsWriter.Save(path, ModelRegistry.Create(Tiny, seed: 5).StateDict(), meta);
        return path;
    }

    private string Png(string name, int w, int h, int channels)
    {
        var rng = new Random(w * h);
        var path = Path.Combine(_dir, name);
        ImageFile.SavePng(path, new DecodedImage(w, h, channels, Enumerable.Range(0, w * h * channels).Select(_ => (byte)rng.Next(256)).ToArray()));
        return path;
    }

    private static JsonElement Json(string stdout) => JsonDocument.Parse(LastLine(stdout)).RootElement;

    [Fact]
    public void Detect_draws_each_image_s_boxes_and_writes_coco_results_that_predict_and_coco_eval_agree_with()
    {
        var weights = Weights();
        var images = new[] { Png("000007.png", 40, 30, 1), Png("000012.png", 30, 50, 3) };
        var outDir = Path.Combine(_dir, "out");

        var (code, stdout, err) = Run(["detect", "--weights", weights, .. images, "--out", outDir, "--threshold", "0", "--json"]);

        Assert.True(code == 0, err);
        var summary = Json(stdout);
        Assert.Equal(2 * Tiny.NumQueries, summary.GetProperty("detections").GetInt32());
        var results = CocoResultsReader.Read(Path.Combine(outDir, "detections.json"));
        Assert.Equal(new long[] { 7, 12 }, results.Select(r => r.ImageId).Distinct());
        Assert.All(results, r => Assert.InRange(r.CategoryId, 0, Tiny.NumClasses - 1));
        Assert.All(results, r => Assert.True(r.Score is > 0 and <= 1 && r.Bbox.Width > 0 && r.Bbox.Height > 0, r.ToString()));
        using (var raw = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "detections.json"))))
            Assert.All(raw.RootElement.EnumerateArray(), d => Assert.Equal(Classes[d.GetProperty("category_id").GetInt32()], d.GetProperty("label").GetString()));

        // The pictures: each image enlarged to a shorter side of 256 with its boxes drawn over it.
        for (int i = 0; i < images.Length; i++)
        {
            var original = ImageFile.Load(images[i]);
            var picture = ImageFile.Load(Path.Combine(outDir, Path.GetFileName(images[i])));
            int scale = BoxDrawing.Enlargement(original.Width, original.Height, 256);
            Assert.Equal((original.Width * scale, original.Height * scale, 3), (picture.Width, picture.Height, picture.Channels));
            Assert.NotEqual(BoxDrawing.Draw(original, []).Pixels, picture.Pixels);
        }

        // predict on the same files reports the same objects, boxes in pixels of each file.
        (code, stdout, err) = Run(["predict", "--weights", weights, .. images, "--threshold", "0", "--json"]);
        Assert.True(code == 0, err);
        var predicted = Json(stdout).GetProperty("predictions").EnumerateArray()
            .SelectMany((p, i) => p.GetProperty("detections").EnumerateArray().Select(d => (Image: i, Score: d.GetProperty("score").GetDouble(),
                X0: d.GetProperty("box")[0].GetDouble(), Y1: d.GetProperty("box")[3].GetDouble()))).ToArray();
        var detected = results.Select(r => (Image: r.ImageId == 7 ? 0 : 1, r.Score, X0: r.Bbox.X, Y1: r.Bbox.Y + r.Bbox.Height)).ToArray();
        Assert.Equal(detected.Length, predicted.Length);
        for (int i = 0; i < detected.Length; i++)
        {
            Assert.Equal(detected[i].Image, predicted[i].Image);
            Assert.Equal(detected[i].Score, predicted[i].Score, 5);
            Assert.Equal(detected[i].X0, predicted[i].X0, 3);
            Assert.Equal(detected[i].Y1, predicted[i].Y1, 3);
        }

        // Nothing scores 1: no boxes, and the picture is the image alone.
        (code, _, err) = Run(["detect", "--weights", weights, images[0], "--out", outDir, "--threshold", "1"]);
        Assert.True(code == 0, err);
        Assert.Empty(CocoResultsReader.Read(Path.Combine(outDir, "detections.json")));
        Assert.Equal(BoxDrawing.Draw(ImageFile.Load(images[0]), []).Pixels, ImageFile.Load(Path.Combine(outDir, "000007.png")).Pixels);
    }

    [Fact]
    public void Detect_writes_nothing_when_one_image_is_bad_and_numbers_images_that_are_not_named_by_ids()
    {
        var weights = Weights();
        var good = Png("cat.png", 40, 30, 3);
        var bad = Path.Combine(_dir, "broken.png");
        File.WriteAllText(bad, "not an image");
        var outDir = Path.Combine(_dir, "never");

        var (code, stdout, err) = Run("detect", "--weights", weights, good, bad, "--out", outDir);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains("broken.png", OneLine(err));
        Assert.False(Directory.Exists(outDir));

        (code, _, err) = Run("detect", "--weights", weights, good, Png("dog.png", 20, 20, 1), "--out", outDir, "--threshold", "0");
        Assert.True(code == 0, err);
        Assert.Equal(new long[] { 1, 2 }, CocoResultsReader.Read(Path.Combine(outDir, "detections.json")).Select(r => r.ImageId).Distinct());
    }

    [Fact]
    public void Attention_maps_the_queries_asked_for_or_the_best_ones_over_the_feature_map()
    {
        var weights = Weights();
        var image = Png("scene.png", 64, 48, 1);
        var outPath = Path.Combine(_dir, "queries.png");

        var (code, stdout, err) = Run("attention", "--weights", weights, image, "--out", outPath, "--query", "3", "--query", "1", "--json");

        Assert.True(code == 0, err);
        var root = Json(stdout);
        Assert.Equal(new[] { 3, 1 }, root.GetProperty("queries").EnumerateArray().Select(q => q.GetProperty("query").GetInt32()));
        // 64 x 48 is resized to 64 x 48 (shorter side 48): a 2 x 2 map at stride 32.
        Assert.Equal(new[] { 2, 2 }, root.GetProperty("grid").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(new[] { 48, 64 }, root.GetProperty("input_size").EnumerateArray().Select(v => v.GetInt32()));
        var picture = ImageFile.Load(outPath);
        Assert.Equal((root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()), (picture.Width, picture.Height));
        int panel = 64 * BoxDrawing.Enlargement(64, 48, 224);
        Assert.Equal(2 * panel + 8, picture.Width);

        // By default: the best-scoring query when none reaches the threshold.
        (code, stdout, err) = Run("attention", "--weights", weights, image, "--out", outPath, "--threshold", "1", "--json");
        Assert.True(code == 0, err);
        Assert.Single(Json(stdout).GetProperty("queries").EnumerateArray());
        Assert.Equal(panel, ImageFile.Load(outPath).Width);

        (code, _, err) = Run("attention", "--weights", weights, image, "--out", outPath, "--query", "5");
        Assert.Equal(2, code);
        Assert.Equal("vitrum: --query 5: the model has 5 object queries (0-4)", OneLine(err));
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 3)]
    public void Bench_model_times_a_detector_at_the_size_given(bool train, int queryGroups)
    {
        var config = Path.Combine(_dir, "tiny_detr.json");
        // With query groups a training step matches each group to the image's targets on its own.
        File.WriteAllText(config, (Tiny with { GroupDetr = queryGroups > 1 ? queryGroups : null }).ToJson());
        var args = new List<string> { "bench", "model", "--model", config, "--size", "40x56", "--batch", "2", "--warmup", "0", "--runs", "1", "--threads", "1", "--json" };
        if (train) args.Add("--train");

        var (code, stdout, err) = Run(args.ToArray());

        Assert.True(code == 0, err);
        var root = Json(stdout);
        Assert.Equal((40, 56, 2, train), (root.GetProperty("height").GetInt32(), root.GetProperty("width").GetInt32(), root.GetProperty("batch").GetInt32(), root.GetProperty("train").GetBoolean()));
        Assert.True(root.GetProperty("ms_per_batch").GetDouble() > 0);
    }

    [Fact]
    public void Bench_model_size_must_be_height_x_width()
    {
        var (code, stdout, err) = Run("bench", "model", "--model", "detr_digits", "--size", "40by56");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("option --size expects HxW (e.g. 800x1066) or one side, each in [1, 16384], got '40by56'", OneLine(err));
    }
}
