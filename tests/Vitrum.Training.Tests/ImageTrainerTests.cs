using System.Text.Json;
using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Training.Tasks;
using Xunit;

namespace Vitrum.Training.Tests;

/// <summary>Image classification through the one trainer loop, on 8x8 images whose class is the bright half (left or right).</summary>
public class ImageTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-img-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static ImageClassificationData Halves(int count, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[count * 64];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                    px[i * 64 + y * 8 + x] = (byte)(((x < 4) == (labels[i] == 0) ? 160 : 40) + rng.Next(60));
        }
        return new ImageClassificationData(px, count, 1, 8, 8, labels, new[] { "left", "right" });
    }

    private TrainResult Train(string name, TrainOptions o, List<EpochRecord>? epochs = null)
    {
        var model = ModelRegistry.Build(new VitConfig { ImgSize = 8, PatchSize = 4, InChans = 1, NumClasses = 2, EmbedDim = 16, Depth = 1, NumHeads = 2 }, seed: 1);
        var norm = new IImageTransform[] { new Normalize(new[] { 0.5f }, new[] { 0.5f }) };
        var task = new ImageClassificationTask(model, Halves(128, 1), Halves(64, 2), norm, norm, o with { OutDir = Path.Combine(_dir, name) });
        return new Trainer<Batch>(task, o with { OutDir = Path.Combine(_dir, name) }) { OnEpoch = epochs == null ? null : epochs.Add }.Run();
    }

    [Fact]
    public void A_tiny_run_learns_and_keeps_metrics_best_and_last_weights()
    {
        var epochs = new List<EpochRecord>();
        var r = Train("learn", new TrainOptions { Epochs = 6, BatchSize = 16, Lr = 1e-2, WarmupEpochs = 0.5, WeightDecay = 0, Seed = 3 }, epochs);
        Assert.False(r.Interrupted);
        Assert.Equal(6, r.Epochs);
        Assert.True(r["test_accuracy"] >= 0.9, $"test accuracy {r["test_accuracy"]:P1}");
        Assert.Equal(epochs.Max(e => e["test_accuracy"]), r.Best);
        var lines = File.ReadAllLines(Path.Combine(_dir, "learn", "metrics.jsonl"));
        Assert.Equal(6, lines.Length);
        using var line = JsonDocument.Parse(lines[^1]);
        foreach (var key in new[] { "epoch", "step", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "seconds", "images_per_second" })
            Assert.True(line.RootElement.TryGetProperty(key, out _), $"metrics.jsonl has no {key}");
        Assert.Equal(48, line.RootElement.GetProperty("step").GetInt64());
        using var best = SafetensorsFile.Open(Path.Combine(_dir, "learn", "best.safetensors"));
        Assert.Equal("[\"left\",\"right\"]", best.Metadata["classes"]);
        Assert.Equal(r.Best, double.Parse(best.Metadata["test_accuracy"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(File.Exists(Path.Combine(_dir, "learn", "chart.png")));
    }

    /// <summary>A diverged run (loss NaN) still writes its metrics as JSON and ends normally.</summary>
    [Fact]
    public void A_run_whose_loss_becomes_nan_writes_its_metrics()
    {
        var r = Train("nan", new TrainOptions { Epochs = 2, BatchSize = 16, Lr = 1e9, WarmupEpochs = 0, ClipGrad = 0, Seed = 3 });
        Assert.False(r.Interrupted);
        var lines = File.ReadAllLines(Path.Combine(_dir, "nan", "metrics.jsonl"));
        Assert.Equal(2, lines.Length);
        using var line = JsonDocument.Parse(lines[^1]);
        Assert.Equal("NaN", line.RootElement.GetProperty("train_loss").GetString());
    }
}
