using System.Globalization;
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

    public static ImageClassificationData Halves(int count, int seed)
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

    /// <summary>128 training, 32 validation and 64 test images (disjoint draws).</summary>
    public static ImageClassificationTask Task(TrainOptions o)
    {
        var model = ModelRegistry.Build(new VitConfig { ImgSize = 8, PatchSize = 4, InChans = 1, NumClasses = 2, EmbedDim = 16, Depth = 1, NumHeads = 2 }, seed: 1);
        var norm = new IImageTransform[] { new Normalize(new[] { 0.5f }, new[] { 0.5f }) };
        return new ImageClassificationTask(model, new ImageSplits(Halves(128, 1), Halves(32, 3), Halves(64, 2), ValHeldOut: false), norm, norm, o);
    }

    private TrainResult Train(string name, TrainOptions o, List<EpochRecord>? epochs = null, Func<ITrainingTask<Batch>, ITrainingTask<Batch>>? rig = null)
    {
        o = o with { OutDir = Path.Combine(_dir, name) };
        ITrainingTask<Batch> task = Task(o);
        return new Trainer<Batch>(rig == null ? task : rig(task), o) { OnEpoch = epochs == null ? null : epochs.Add }.Run();
    }

    private static readonly TrainOptions Tiny = new() { Epochs = 6, BatchSize = 16, Lr = 1e-2, WarmupEpochs = 0.5, WeightDecay = 0, Seed = 3 };

    [Fact]
    public void A_tiny_run_learns_picks_its_best_weights_on_validation_and_tests_final_and_best_weights()
    {
        var epochs = new List<EpochRecord>();
        var r = Train("learn", Tiny, epochs);
        Assert.False(r.Interrupted);
        Assert.Equal(6, r.Epochs);
        Assert.True(r.Final("test_accuracy") >= 0.9, $"test accuracy of the final weights {r.Final("test_accuracy"):P1}");
        Assert.True(r["test_accuracy"] >= 0.9, $"test accuracy of the best weights {r["test_accuracy"]:P1}");
        Assert.Equal(epochs.Max(e => e["val_accuracy"]), r.Best);
        Assert.Equal(epochs.FindIndex(e => e["val_accuracy"] == r.Best) + 1, r.BestEpoch);
        Assert.All(epochs, e => Assert.DoesNotContain(e.Eval, m => m.Key.StartsWith("test", StringComparison.Ordinal)));
        var lines = File.ReadAllLines(Path.Combine(_dir, "learn", "metrics.jsonl"));
        Assert.Equal(6, lines.Length);
        using var line = JsonDocument.Parse(lines[^1]);
        foreach (var key in new[] { "epoch", "step", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "clipped_steps", "seconds", "images_per_second" })
            Assert.True(line.RootElement.TryGetProperty(key, out _), $"metrics.jsonl has no {key}");
        Assert.Equal(48, line.RootElement.GetProperty("step").GetInt64());
        Assert.InRange(line.RootElement.GetProperty("clipped_steps").GetInt32(), 0, 8);
        using var best = SafetensorsFile.Open(Path.Combine(_dir, "learn", "best.safetensors"));
        Assert.Equal("[\"left\",\"right\"]", best.Metadata["classes"]);
        Assert.Equal(r.Best, double.Parse(best.Metadata["val_accuracy"], CultureInfo.InvariantCulture));
        Assert.Equal(r.BestEpoch.ToString(CultureInfo.InvariantCulture), best.Metadata["epoch"]);
        Assert.True(File.Exists(Path.Combine(_dir, "learn", "chart.png")));
    }

    [Fact]
    public void Every_step_over_the_gradient_norm_limit_is_counted_as_clipped()
    {
        var epochs = new List<EpochRecord>();
        Train("clip", Tiny with { Epochs = 2, ClipGrad = 1e-6 }, epochs);
        Assert.Equal(new int?[] { 8, 8 }, epochs.Select(e => e.ClippedSteps));
        var unclipped = new List<EpochRecord>();
        Train("noclip", Tiny with { Epochs = 1, ClipGrad = 0 }, unclipped);
        Assert.Null(unclipped[0].ClippedSteps);
        Assert.DoesNotContain("clipped_steps", File.ReadAllText(Path.Combine(_dir, "noclip", "metrics.jsonl")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_non_finite_loss_or_gradient_stops_the_run_at_that_step_and_keeps_the_last_good_checkpoint(bool lossDiverges)
    {
        // Epoch 1 is steps 0-7; the fault comes at step 10, the third batch of epoch 2.
        var e = Assert.Throws<TrainingDivergedException>(() => Train("nan", Tiny with { Epochs = 3 }, rig: t => new RiggedTask(t)
        {
            NanLossAtStep = lossDiverges ? 10 : null,
            NanGradientAtStep = lossDiverges ? null : 10,
        }));
        var dir = Path.Combine(_dir, "nan");
        Assert.Equal((2, 11L), (e.Epoch, e.Step));
        Assert.StartsWith("training diverged in epoch 2 at step 11 (batch 3 of 8): ", e.Message);
        Assert.Contains(lossDiverges ? "the loss is NaN" : "the gradient norm is NaN", e.Message);
        Assert.Contains("try a lower --lr (now 0.01)", e.Message);
        Assert.Contains($"{Path.Combine(dir, "last.ckpt.safetensors")} (step 8) is the last good checkpoint", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        using (var ckpt = SafetensorsFile.Open(Path.Combine(dir, "last.ckpt.safetensors")))
            Assert.Equal("8", ckpt.Metadata["step"]);
        foreach (var name in new[] { "last.safetensors", "best.safetensors" })
        {
            using var w = SafetensorsFile.Open(Path.Combine(dir, name));
            Assert.Equal("1", w.Metadata["epoch"]);
            Assert.All(w.Entries, t => Assert.All(w.Load(t.Name).ToArray(), v => Assert.True(float.IsFinite(v), $"{name} {t.Name} holds {v}")));
        }
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")));
        Assert.False(File.Exists(Path.Combine(dir, RunLock.FileName)));
    }

    [Fact]
    public void A_run_that_diverges_before_its_first_checkpoint_says_none_was_saved()
    {
        var e = Assert.Throws<TrainingDivergedException>(() => Train("early", Tiny with { Lr = 1e9, ClipGrad = 0 }));
        Assert.Contains("epoch 1", e.Message);
        Assert.Contains("try a lower --lr (now 1000000000)", e.Message);
        Assert.EndsWith("no checkpoint had been saved yet", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "early", "last.ckpt.safetensors")));
    }

    /// <summary>The first evaluation writes best.safetensors whatever it measured, even nothing right or nothing at all; chart.png is there at its end.</summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    public void Best_weights_exist_after_the_first_evaluation_whatever_it_measured(double accuracy)
    {
        var dir = Path.Combine(_dir, "zero");
        var o = Tiny with { Epochs = 1, OutDir = dir };
        bool chart = false;
        var r = new Trainer<Batch>(new RiggedTask(Task(o)) { ValAccuracy = _ => accuracy }, o) { OnEpoch = _ => chart = File.Exists(Path.Combine(dir, "chart.png")) }.Run();
        Assert.True(chart, "no chart.png at the end of epoch 1");
        Assert.Equal(1, r.BestEpoch);
        using var w = SafetensorsFile.Open(Path.Combine(dir, "best.safetensors"));
        Assert.Equal("1", w.Metadata["epoch"]);
        Assert.Equal(r["test_accuracy"], r.Final("test_accuracy")); // the best weights are the final ones
    }

    [Fact]
    public void An_interrupted_run_keeps_its_best_validation_figure_and_reports_no_test()
    {
        var r = Train("stop", Tiny with { MaxSteps = 11 });
        Assert.True(r.Interrupted);
        Assert.Equal((1, 11L), (r.Epochs, r.Steps));
        Assert.Equal("in epoch 2 at step 11 (batch 3 of 8)", r.StoppedAt());
        Assert.Equal(1, r.BestEpoch);
        Assert.InRange(r.Best, 0, 1);
        Assert.Empty(r.Test);
        Assert.Empty(r.FinalTest);
        Assert.True(double.IsNaN(r["test_accuracy"]));
    }

    [Fact]
    public void The_same_seed_trains_the_same_weights()
    {
        Train("a", Tiny with { Epochs = 2 });
        Train("b", Tiny with { Epochs = 2 });
        using var a = SafetensorsFile.Open(Path.Combine(_dir, "a", "last.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(_dir, "b", "last.safetensors"));
        foreach (var e in a.Entries) Assert.Equal(a.Load(e.Name).ToArray(), b.Load(e.Name).ToArray());
    }
}
