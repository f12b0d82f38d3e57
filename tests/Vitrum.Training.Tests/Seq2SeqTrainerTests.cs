using Vitrum.Data.Images;
using Vitrum.Data.Loading;
using Vitrum.Models.Transformer;
using Vitrum.Nn.IO;
using Vitrum.Training.Tasks;
using Xunit;

namespace Vitrum.Training.Tests;

public class Seq2SeqTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-s2s-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static TrainResult Train(TransformerModel model, Vitrum.Data.Datasets.G2PData data, TrainOptions options,
        Action<EpochRecord>? onEpoch = null, Action<string>? log = null, CancellationToken ct = default) =>
        new Trainer<Seq2SeqBatch>(new Seq2SeqTask(model, data, options), options) { OnEpoch = onEpoch, Log = log }.Run(ct);

    private TrainOptions Options(string name, int epochs) => new()
    {
        Epochs = epochs, BatchSize = 32, Lr = 5e-3, WeightDecay = 0, WarmupSteps = 30, LabelSmoothing = 0.1, ClipGrad = 1.0,
        Seed = 5, OutDir = Path.Combine(_dir, name),
    };

    /// <summary>The CI training check: a tiny Transformer learns the synthetic task in seconds, well past chance.</summary>
    [Fact]
    public void Tiny_g2p_run_reaches_low_error_rates()
    {
        var data = TinyG2P.Data(trainWords: 400, testWords: 100);
        var model = new TransformerModel(TinyG2P.Config(), seed: 1);
        var epochs = new List<EpochRecord>();
        var r = Train(model, data, Options("tiny", 16), onEpoch: epochs.Add);
        Assert.False(r.Interrupted);
        Assert.Equal(16, r.Epochs);
        Assert.True(epochs[^1].TrainLoss < 0.5 * epochs[0].TrainLoss, $"train loss {epochs[0].TrainLoss:F3} -> {epochs[^1].TrainLoss:F3}");
        Assert.True(epochs[^1].TrainAccuracy > 0.9, $"token accuracy {epochs[^1].TrainAccuracy:P1}");
        Assert.True(r["test_per"] < 0.1, $"test PER {r["test_per"]:P1}; " + string.Join(" | ", epochs.Select(e => $"{e.TrainLoss:F3} {e.TrainAccuracy:P0} {e["valid_wer"]:P0} {e["valid_per"]:P0} {e.Seconds:F1}s")));
        Assert.True(r["test_wer"] < 0.3, $"test WER {r["test_wer"]:P1}");
        Assert.Equal(16, File.ReadAllLines(Path.Combine(_dir, "tiny", "metrics.jsonl")).Length);
        var chart = ImageFile.Load(Path.Combine(_dir, "tiny", "chart.png"));
        Assert.Equal((MetricsChart.Width, MetricsChart.HeightFor(3)), (chart.Width, chart.Height));
        var lr = MetricsChart.ReadRows(Path.Combine(_dir, "tiny", "metrics.jsonl")).Select(m => m["lr"]).ToArray();
        Assert.True(lr[0] > 0 && lr[^1] < lr.Max(), $"lr per epoch: {string.Join(", ", lr)}"); // warmup, then decay
        using var best = SafetensorsFile.Open(Path.Combine(_dir, "tiny", "best.safetensors"));
        Assert.Equal(model.Config, TransformerConfig.FromJson(best.Metadata["config"]));
        Assert.True(double.Parse(best.Metadata["valid_wer"], System.Globalization.CultureInfo.InvariantCulture) <= r.Best + 1e-12);
    }

    /// <summary>The last epochs' weights are kept and averaged; the average is validated and saved beside them.</summary>
    [Fact]
    public void Averaging_the_last_epochs_writes_their_mean_and_validates_it()
    {
        var data = TinyG2P.Data(trainWords: 120, testWords: 10);
        var model = new TransformerModel(TinyG2P.Config(16), seed: 3);
        var logs = new List<string>();
        var r = Train(model, data, Options("avg", 4) with { AverageLast = 3 }, log: logs.Add);
        Assert.False(r.Interrupted);
        var dir = Path.Combine(_dir, "avg");
        Assert.False(File.Exists(Path.Combine(dir, "epoch-1.safetensors")));
        using var e2 = SafetensorsFile.Open(Path.Combine(dir, "epoch-2.safetensors"));
        using var e3 = SafetensorsFile.Open(Path.Combine(dir, "epoch-3.safetensors"));
        using var e4 = SafetensorsFile.Open(Path.Combine(dir, "epoch-4.safetensors"));
        using var avg = SafetensorsFile.Open(Path.Combine(dir, "averaged.safetensors"));
        Assert.Equal("epoch-2.safetensors,epoch-3.safetensors,epoch-4.safetensors", avg.Metadata["averaged_epochs"]);
        bool differ = false;
        foreach (var e in avg.Entries)
        {
            float[] a = e2.Load(e.Name).ToArray(), b = e3.Load(e.Name).ToArray(), c = e4.Load(e.Name).ToArray(), m = avg.Load(e.Name).ToArray();
            for (int i = 0; i < m.Length; i++)
            {
                Assert.Equal((a[i] + b[i] + c[i]) / 3, m[i], 1e-6f);
                differ |= a[i] != c[i];
            }
        }
        Assert.True(differ, "the kept epochs should hold different weights");
        Assert.Contains(logs, l => l.StartsWith("average of the last 3 epochs: valid WER", StringComparison.Ordinal));
        double avgWer = double.Parse(avg.Metadata["valid_wer"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Math.Min(avgWer, r.Best), r.Best);
    }

    [Fact]
    public void Averaging_checkpoints_of_different_models_names_the_file_and_key()
    {
        var a = Path.Combine(_dir, "a.safetensors");
        var b = Path.Combine(_dir, "b.safetensors");
        SafetensorsWriter.Save(a, new Dictionary<string, Vitrum.Tensors.Tensor> { ["w"] = Vitrum.Tensors.Tensor.Zeros(2, 3) });
        SafetensorsWriter.Save(b, new Dictionary<string, Vitrum.Tensors.Tensor> { ["w"] = Vitrum.Tensors.Tensor.Zeros(3, 2) });
        var e = Assert.Throws<ArgumentException>(() => CheckpointAverage.Average(new[] { a, b }));
        Assert.Contains("b.safetensors", e.Message);
        Assert.Contains("w is Float32 [3, 2]", e.Message);
    }

    /// <summary>
    /// Stopping mid-epoch and resuming gives the same weights as one uninterrupted run (batches, Adam state and the
    /// dropout generators restored; the resumed model starts from another seed, so nothing carries over by chance).
    /// </summary>
    [Fact]
    public void Resumed_run_ends_identical_to_an_uninterrupted_one()
    {
        var data = TinyG2P.Data(trainWords: 120, testWords: 10);
        var config = TinyG2P.Config(16) with { Dropout = 0.2 };
        var whole = new TransformerModel(config, seed: 2);
        Train(whole, data, Options("whole", 2));

        var part = new TransformerModel(config, seed: 2);
        var first = Train(part, data, Options("parts", 2) with { MaxSteps = 5 });
        Assert.True(first.Interrupted);
        Assert.Equal(5, first.Steps);
        var resumed = new TransformerModel(config, seed: 99);
        var second = Train(resumed, data, Options("parts", 2) with { Resume = true });
        Assert.False(second.Interrupted);
        Assert.Equal(2 * new BucketBatcher(BucketBatcher.Pairs(data.Train), 32, 5).BatchesPerEpoch, second.Steps);

        using var a = SafetensorsFile.Open(Path.Combine(_dir, "whole", "last.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(_dir, "parts", "last.safetensors"));
        foreach (var e in a.Entries) Assert.Equal(a.Load(e.Name).ToArray(), b.Load(e.Name).ToArray());
        Assert.Equal(File.ReadAllLines(Path.Combine(_dir, "whole", "metrics.jsonl")).Length, File.ReadAllLines(Path.Combine(_dir, "parts", "metrics.jsonl")).Length);
    }

    [Fact]
    public void Cancelling_saves_a_checkpoint_and_reports_an_interrupted_run()
    {
        var data = TinyG2P.Data(trainWords: 120, testWords: 10);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var r = Train(new TransformerModel(TinyG2P.Config(16), seed: 3), data, Options("cancel", 3), ct: cts.Token);
        Assert.True(r.Interrupted);
        Assert.Equal(1, r.Steps);
        Assert.True(double.IsNaN(r["test_wer"]));
        Assert.True(File.Exists(Path.Combine(_dir, "cancel", "last.ckpt.safetensors")));
    }

    [Fact]
    public void A_time_budget_stops_training_and_still_tests()
    {
        var data = TinyG2P.Data(trainWords: 120, testWords: 10);
        var r = Train(new TransformerModel(TinyG2P.Config(16), seed: 3), data, Options("budget", 50) with { MaxMinutes = 1e-6 });
        Assert.True(r.TimeLimitReached);
        Assert.Equal(1, r.Steps);
        Assert.Equal(1, r.Epochs);
        Assert.InRange(r["test_wer"], 0, 1);
        Assert.Single(File.ReadAllLines(Path.Combine(_dir, "budget", "metrics.jsonl")));
    }

    [Fact]
    public void Noam_warmup_is_scaled_to_small_data_and_capped_at_4000()
    {
        Assert.Equal(470, Seq2SeqTask.Warmup(new TrainOptions { WarmupEpochs = 1 }, 470));
        Assert.Equal(4000, Seq2SeqTask.Warmup(new TrainOptions { WarmupEpochs = 1 }, 100_000));
        Assert.Equal(123, Seq2SeqTask.Warmup(new TrainOptions { WarmupSteps = 123 }, 470));
    }

    [Fact]
    public void Token_accuracy_skips_padding_targets()
    {
        var logits = Tensors.Tensor.FromArray(new float[] { 2, 0, 0, 0, 0, 9 }, 2, 3);
        Assert.Equal(1, Seq2SeqEvaluation.CountCorrectTokens(logits, Tensors.Tensor.FromLongs(new long[] { 0, 2 }, 2), padId: 0));
        Assert.Equal(0, Seq2SeqEvaluation.CountCorrectTokens(logits, Tensors.Tensor.FromLongs(new long[] { 1, 0 }, 2), padId: 0));
    }
}
