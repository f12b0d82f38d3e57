using System.Text.Json;
using Vitrum.Data.Images;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// <c>vitrum train</c> as a user meets it on a tiny colour folder (bright vs dark 16x16 images): a second run into the same
/// folder is refused until --overwrite, a diverging run stops in one line with exit 1, an interrupted run reports no
/// test figure, and clipped steps are reported.
/// </summary>
public class CliRunFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-cli-runs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>30 images per class: 3 test, 3 validation (held out of the other 27), 24 training: 6 steps of 8 per epoch.</summary>
    private string[] Train(string outDir, params string[] extra)
    {
        var data = Path.Combine(_dir, "data");
        if (!Directory.Exists(data))
        {
            var rng = new Random(4);
            foreach (var (cls, lo, hi) in new[] { ("bright", 150, 256), ("dark", 0, 100) })
                for (int i = 0; i < 30; i++)
                {
                    var p = Path.Combine(data, cls, $"{i:D2}.png");
                    Directory.CreateDirectory(Path.GetDirectoryName(p)!);
                    ImageFile.SavePng(p, new DecodedImage(16, 16, 3, Enumerable.Range(0, 16 * 16 * 3).Select(_ => (byte)rng.Next(lo, hi)).ToArray()));
                }
            File.WriteAllText(Path.Combine(_dir, "tiny.json"),
                """{"family": "vit", "img_size": 16, "patch_size": 4, "in_chans": 3, "num_classes": 2, "embed_dim": 16, "depth": 2, "num_heads": 2, "mlp_ratio": 2}""");
        }
        var lr = extra.Contains("--lr") ? Array.Empty<string>() : new[] { "--lr", "3e-3" };
        return new[] { "train", "--model", Path.Combine(_dir, "tiny.json"), "--dataset", data, "--batch-size", "8", "--warmup-epochs", "0",
            "--out", Path.Combine(_dir, outDir), "--threads", "1" }.Concat(lr).Concat(extra).ToArray();
    }

    [Fact]
    public void Training_twice_into_one_folder_is_refused_until_overwrite_and_clipped_steps_are_reported()
    {
        var outDir = Path.Combine(_dir, "run");
        var (code, output, err) = Run(Train("run", "--epochs", "1", "--max-grad-norm", "1e-6", "--json"));
        Assert.True(code == 0, err);
        Assert.Contains(", 6 steps clipped, ", err);
        using (var m = JsonDocument.Parse(File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl"))[0]))
            Assert.Equal(6, m.RootElement.GetProperty("clipped_steps").GetInt32());
        using (var j = JsonDocument.Parse(LastLine(output)))
        {
            Assert.Equal(outDir, j.RootElement.GetProperty("out_dir").GetString());
            Assert.InRange(j.RootElement.GetProperty("test_accuracy").GetDouble(), 0, 1);
        }

        (code, output, err) = Run(Train("run", "--epochs", "1", "--json"));
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"vitrum: {outDir} already holds a run (last.ckpt.safetensors, last.safetensors, best.safetensors, metrics.jsonl and 1 more): " +
                     "add --resume to continue it or --overwrite to replace it", OneLine(err));

        (code, _, err) = Run(Train("run", "--epochs", "1", "--overwrite"));
        Assert.True(code == 0, err);
        Assert.Contains($"--overwrite: removed 5 files of the earlier run in {outDir}", err);
        Assert.Single(File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl")));
        Assert.False(File.Exists(Path.Combine(outDir, "run.lock")));
    }

    [Fact]
    public void A_diverging_run_stops_at_that_step_with_one_line_and_exit_1()
    {
        var (code, output, err) = Run(Train("nan", "--epochs", "2", "--lr", "1e4", "--json"));
        Assert.Equal(1, code);
        Assert.Equal("", output);
        var last = err.Trim().Split('\n')[^1];
        Assert.Matches(@"^vitrum: training diverged in epoch 1 at step \d+ \(batch \d+ of 6\): the (loss|gradient norm) is (NaN|-?Infinity)", last);
        Assert.Contains("; try a lower --lr (now 10000). Stopped before updating the weights: no checkpoint had been saved yet", last);
        Assert.DoesNotContain("   at ", err);
        Assert.False(File.Exists(Path.Combine(_dir, "nan", "best.safetensors")));
    }

    [Fact]
    public void An_interrupted_run_reports_where_it_stopped_its_best_validation_and_no_test_figure()
    {
        var (code, output, err) = Run(Train("stop", "--epochs", "3", "--max-steps", "8", "--json"));
        Assert.True(code == 130, err);
        using (var j = JsonDocument.Parse(LastLine(output)))
        {
            var root = j.RootElement;
            Assert.True(root.GetProperty("interrupted").GetBoolean());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("test_accuracy").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("best_test_accuracy").ValueKind);
            Assert.InRange(root.GetProperty("best_val_accuracy").GetDouble(), 0, 1);
            Assert.Equal((1, 1, 8L), (root.GetProperty("best_epoch").GetInt32(), root.GetProperty("epochs").GetInt32(), root.GetProperty("steps").GetInt64()));
            Assert.Equal(Path.Combine(_dir, "stop", "chart.png"), root.GetProperty("chart").GetString());
        }
        Assert.True(File.Exists(Path.Combine(_dir, "stop", "best.safetensors")));

        // Stopped before any epoch ended: no validation figure, no chart, and the text says where it stopped.
        (code, output, err) = Run(Train("early", "--epochs", "3", "--max-steps", "2"));
        Assert.True(code == 130, err);
        Assert.Equal($"interrupted in epoch 1 at step 2 (batch 2 of 6); no validation yet; no test ran; --resume continues from the checkpoint in {Path.Combine(_dir, "early")}",
            LastLine(output));
        Assert.DoesNotContain("test accuracy", output);
        Assert.False(File.Exists(Path.Combine(_dir, "early", "chart.png")));
    }

    [Fact]
    public void Resume_with_nothing_to_resume_says_it_starts_afresh()
    {
        var (code, _, err) = Run(Train("fresh", "--epochs", "1", "--max-steps", "1", "--resume"));
        Assert.True(code == 130, err);
        Assert.Contains($"--resume: {Path.Combine(_dir, "fresh")} holds no checkpoint (last.ckpt.safetensors) to resume; starting afresh", err);
    }

    [Fact]
    public void Resume_and_overwrite_together_are_a_usage_error()
    {
        var (code, output, err) = Run(Train("both", "--resume", "--overwrite"));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("--resume continues the run in --out and --overwrite replaces it", OneLine(err));
    }
}
