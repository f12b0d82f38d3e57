using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Models;
using Vitrum.Nn.IO;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// Image workflows end to end on a tiny colour image folder written by ImageFile ("bright" vs "dark"
/// 16x16 images): train writes weights, metrics and a chart; eval, predict and attention read them; bad images
/// are one stderr line and a non-zero exit. Attention also runs on tiny Swin and TNT
/// weights written here, and bench model on every image family.
/// </summary>
public class CliImageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-cli-img-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Png(string rel, int w, int h, int channels, Func<int, byte> value)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        ImageFile.SavePng(p, new DecodedImage(w, h, channels, Enumerable.Range(0, w * h * channels).Select(value).ToArray()));
        return p;
    }

    private string Folder()
    {
        var rng = new Random(4);
        for (int i = 0; i < 30; i++)
        {
            Png($"data/bright/{i:D2}.png", 16 + i % 5, 16, 3, _ => (byte)rng.Next(150, 256));
            Png($"data/dark/{i:D2}.png", 16, 18, 3, _ => (byte)rng.Next(0, 100));
        }
        return Path.Combine(_dir, "data");
    }

    private string Config()
    {
        var p = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(p, """{"family": "vit", "img_size": 16, "patch_size": 4, "in_chans": 3, "num_classes": 2, "embed_dim": 16, "depth": 2, "num_heads": 2, "mlp_ratio": 2}""");
        return p;
    }

    private string Train(params string[] extra)
    {
        var outDir = Path.Combine(_dir, "run");
        var (code, output, err) = Run(new[] { "train", "--model", Config(), "--dataset", Folder(), "--epochs", "4", "--batch-size", "8", "--lr", "3e-3",
            "--warmup-epochs", "0", "--out", outDir, "--threads", "1", "--json" }.Concat(extra).ToArray());
        Assert.True(code == 0, err);
        Assert.Contains("epoch 4/4 [########################]", err); // plain progress lines when stderr is redirected
        Assert.DoesNotContain('\u001b', err + output);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // --json: only the JSON line
        using var last = JsonDocument.Parse(LastLine(output));
        Assert.True(last.RootElement.GetProperty("test_accuracy").GetDouble() >= 0.99, output);
        return outDir;
    }

    [Fact]
    public async Task Sigterm_stops_training_after_a_step_with_a_checkpoint_that_resume_continues()
    {
        if (!OperatingSystem.IsLinux()) return;
        var outDir = Path.Combine(_dir, "term");
        string model = Config(), data = Folder();
        string[] Args(int epochs, params string[] extra) => new[] { "train", "--model", model, "--dataset", data, "--epochs", epochs.ToString(),
            "--batch-size", "8", "--lr", "3e-3", "--warmup-epochs", "0", "--out", outDir, "--threads", "1", "--json" }.Concat(extra).ToArray();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vitrum.dll"));
        foreach (var a in Args(500)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var err = new StringBuilder();
        // Signal once the first epoch is done: the handlers are in place and a run is mid-way.
        for (string? line; (line = p.StandardError.ReadLine()) != null;)
        {
            err.AppendLine(line);
            if (line.StartsWith("epoch 1:", StringComparison.Ordinal)) break;
        }
        Assert.Equal(0, Kill(p.Id, 15));
        err.Append(p.StandardError.ReadToEnd());
        Assert.True(p.WaitForExit(60_000), "vitrum train ignored SIGTERM");
        Assert.True(p.ExitCode == 130, err.ToString());
        Assert.Contains("terminate: finishing this step", err.ToString());
        using (var last = JsonDocument.Parse(LastLine(await output)))
            Assert.True(last.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.True(File.Exists(Path.Combine(outDir, "last.ckpt.safetensors")));

        // One planned epoch: the checkpoint is past it, so the resumed run loads it and ends.
        var (code, _, resumed) = Run(Args(1, "--resume"));
        Assert.True(code == 0, resumed);
        Assert.Matches(@"resumed from .*last\.ckpt\.safetensors at step [1-9]", resumed);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public void Train_on_an_image_folder_with_mixup_writes_a_chart_and_class_names_that_eval_and_predict_use()
    {
        var run = Train("--mixup", "0.2", "--cutmix", "1.0");
        var chart = ImageFile.Load(Path.Combine(run, "chart.png"));
        Assert.Equal((Training.MetricsChart.Width, Training.MetricsChart.HeightFor(3), 3), (chart.Width, chart.Height, chart.Channels));
        Assert.Contains(chart.Pixels, v => v < 200); // something is drawn on the white background
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(4, metrics.Length);
        using (var m = JsonDocument.Parse(metrics[^1]))
        {
            Assert.Equal(4, m.RootElement.GetProperty("epoch").GetInt32());
            Assert.InRange(m.RootElement.GetProperty("val_accuracy").GetDouble(), 0, 1);
            Assert.True(m.RootElement.GetProperty("images_per_second").GetDouble() > 0);
        }
        var weights = Path.Combine(run, "best.safetensors");

        var (code, output, err) = Run("eval", "--weights", weights, "--dataset", Path.Combine(_dir, "data"), "--json");
        Assert.True(code == 0, err);
        using (var e = JsonDocument.Parse(LastLine(output)))
        {
            Assert.Equal(60, e.RootElement.GetProperty("images").GetInt32());
            Assert.True(e.RootElement.GetProperty("test_accuracy").GetDouble() >= 0.95, output);
        }

        var bright = Png("bright.png", 40, 30, 3, _ => 230);
        var dark = Png("dark.png", 20, 20, 3, _ => 20);
        (code, output, err) = Run("predict", "--weights", weights, bright, dark, "--top", "2", "--json");
        Assert.True(code == 0, err);
        using var p = JsonDocument.Parse(LastLine(output));
        var rows = p.RootElement.GetProperty("predictions");
        Assert.Equal("bright", rows[0].GetProperty("top")[0].GetProperty("label").GetString());
        Assert.Equal("dark", rows[1].GetProperty("top")[0].GetProperty("label").GetString());
        var probs = rows[0].GetProperty("top").EnumerateArray().Select(t => t.GetProperty("probability").GetDouble()).ToArray();
        Assert.Equal(2, probs.Length);
        Assert.Equal(1.0, probs.Sum(), 4);
        Assert.True(probs[0] >= probs[1]);

        (code, output, err) = Run("attention", "--weights", weights, bright, "--out", Path.Combine(_dir, "maps", "map.png"), "--json");
        Assert.True(code == 0, err);
        var map = ImageFile.Load(Path.Combine(_dir, "maps", "map.png"));
        Assert.Equal((224, 224, 3), (map.Width, map.Height, map.Channels));
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "maps"))); // no temporary left behind
        using var a = JsonDocument.Parse(LastLine(output));
        Assert.Equal(4, a.RootElement.GetProperty("grid")[0].GetInt32());
    }

    [Fact]
    public void Image_errors_are_one_line_naming_the_file_with_a_non_zero_exit()
    {
        var weights = Path.Combine(Train(), "last.safetensors");
        var broken = Path.Combine(_dir, "broken.png");
        var bytes = File.ReadAllBytes(Png("ok.png", 16, 16, 3, i => (byte)i));
        File.WriteAllBytes(broken, bytes.AsSpan(0, bytes.Length - 20).ToArray());
        var (code, output, err) = Run("predict", "--weights", weights, broken);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("broken.png", OneLine(err));

        (code, _, err) = Run("attention", "--weights", weights, broken, "--out", Path.Combine(_dir, "m.png"));
        Assert.NotEqual(0, code);
        Assert.Contains("broken.png", OneLine(err));
        Assert.False(File.Exists(Path.Combine(_dir, "m.png")));

        File.Copy(broken, Path.Combine(_dir, "data", "dark", "zz.png"));
        (code, _, err) = Run("eval", "--weights", weights, "--dataset", Path.Combine(_dir, "data"));
        Assert.NotEqual(0, code);
        Assert.Contains(Path.Combine("dark", "zz.png"), OneLine(err));
    }

    /// <summary>Fresh weights of the model <paramref name="configJson"/> describes, with the config in the metadata as train writes it.</summary>
    private string Weights(string configJson)
    {
        var config = ModelRegistry.ParseJson(configJson);
        var path = Path.Combine(_dir, config.Family + ".safetensors");
        SafetensorsWriter.Save(path, ModelRegistry.Create(config, seed: 2).StateDict(), new Dictionary<string, string> { ["config"] = config.ToJson() });
        return path;
    }

    [Theory]
    // 32x32 images, patches of 2, one merging: an 8x8 last stage in windows of 4, the second block shifted
    [InlineData("""{"family": "swin", "img_size": 32, "patch_size": 2, "in_chans": 3, "num_classes": 3, "embed_dim": 8, "depths": [1, 2], "num_heads": [1, 2], "window_size": 4}""",
        "last-stage window attention", 8)]
    // 24x24 images, patches of 8: a 3x3 grid
    [InlineData("""{"family": "tnt", "img_size": 24, "patch_size": 8, "in_chans": 3, "num_classes": 3, "embed_dim": 16, "inner_dim": 8, "depth": 2, "num_heads_inner": 2, "num_heads_outer": 2, "first_stride": 2}""",
        "rollout", 3)]
    public void Attention_draws_the_family_map_over_its_grid(string configJson, string kind, int grid)
    {
        var weights = Weights(configJson);
        var image = Png("scene.png", 40, 30, 3, i => (byte)(i / 3 % 40 < 12 && i / 120 < 10 ? 240 : 30));   // dark, a bright corner
        var outPath = Path.Combine(_dir, "map.png");
        var (code, output, err) = Run("attention", "--weights", weights, image, "--out", outPath, "--json");
        Assert.True(code == 0, err);
        using var j = JsonDocument.Parse(LastLine(output));
        var root = j.RootElement;
        Assert.Equal((image, outPath, kind), (root.GetProperty("image").GetString(), root.GetProperty("out").GetString(), root.GetProperty("kind").GetString()));
        Assert.Equal(new[] { grid, grid }, root.GetProperty("grid").EnumerateArray().Select(v => v.GetInt32()));
        Assert.All(root.GetProperty("peak_patch").EnumerateArray(), v => Assert.InRange(v.GetInt32(), 0, grid - 1));
        var map = ImageFile.Load(outPath);
        Assert.Equal((root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32(), 3), (map.Width, map.Height, map.Channels));
        Assert.True(map.Width >= 224, $"width {map.Width}");

        (code, output, err) = Run("attention", "--weights", weights, image, "--out", outPath);
        Assert.True(code == 0, err);
        Assert.Contains($"of {image} over a {grid}x{grid} grid -> {outPath}", LastLine(output));
    }

    [Fact]
    public void A_model_without_images_has_no_attention_map_in_one_line()
    {
        var weights = Weights("""{"family": "transformer", "src_vocab_size": 10, "tgt_vocab_size": 11, "d_model": 16, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 24, "max_len": 16}""");
        var outPath = Path.Combine(_dir, "map.png");
        var (code, output, err) = Run("attention", "--weights", weights, Png("scene.png", 40, 30, 3, _ => 99), "--out", outPath);
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Assert.Equal("vitrum: transformer.safetensors has no attention map: a 'transformer' model (Seq2Seq) takes no images", OneLine(err));
        Assert.False(File.Exists(outPath));
    }

    [Fact]
    public void A_jpeg_predicts_through_the_cli()
    {
        var jpg = Path.Combine(_dir, "photo.jpg");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fixtures", "images", "rgb444.jpg"), jpg);
        var weights = Weights(File.ReadAllText(Config()));
        var (code, output, err) = Run("predict", "--weights", weights, jpg, "--json");
        Assert.True(code == 0, err);
        using var p = JsonDocument.Parse(LastLine(output));
        var row = p.RootElement.GetProperty("predictions")[0];
        Assert.Equal(jpg, row.GetProperty("image").GetString());
        Assert.Equal(1.0, row.GetProperty("top").EnumerateArray().Sum(t => t.GetProperty("probability").GetDouble()), 4);
    }

    [Fact]
    public void Mixup_with_an_odd_batch_size_is_a_usage_error()
    {
        var (code, output, err) = Run("train", "--model", Config(), "--dataset", Folder(), "--batch-size", "7", "--cutmix", "1");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("even --batch-size", OneLine(err));
    }

    [Theory]
    [InlineData(null)]             // the tiny ViT's config file
    [InlineData("swin_mnist")]
    [InlineData("tnt_mnist")]
    public void Bench_model_ends_with_the_timing_json_for_every_image_family(string? preset)
    {
        var model = preset ?? Config();
        var (code, output, err) = Run("bench", "model", "--model", model, "--batch", "2", "--train", "--warmup", "0", "--runs", "2", "--threads", "1", "--json");
        Assert.True(code == 0, err);
        var last = LastLine(output);
        Assert.StartsWith("{\"ms_per_batch\":", last);
        using var j = JsonDocument.Parse(last);
        var root = j.RootElement;
        Assert.Equal(Path.GetFileNameWithoutExtension(model), root.GetProperty("model").GetString());
        Assert.Equal((2, 2, 1, true), (root.GetProperty("batch").GetInt32(), root.GetProperty("runs").GetInt32(), root.GetProperty("threads").GetInt32(), root.GetProperty("train").GetBoolean()));
        foreach (var field in new[] { "ms_per_batch", "images_per_s", "min_ms", "peak_rss_mb" })
            Assert.True(root.GetProperty(field).GetDouble() > 0, $"{field} in {last}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bench_model_profile_reports_op_kinds_and_gemm_shapes(bool train)
    {
        var args = new List<string> { "bench", "model", "--model", Config(), "--batch", "2", "--warmup", "0", "--runs", "2", "--threads", "1", "--profile", "--json" };
        if (train) args.Add("--train");
        var (code, output, err) = Run(args.ToArray());
        Assert.True(code == 0, err);
        using var j = JsonDocument.Parse(LastLine(output));
        var profile = j.RootElement.GetProperty("profile");
        Assert.True(profile.GetProperty("step_ms").GetDouble() > 0);
        var ops = profile.GetProperty("ops").EnumerateArray().Select(o => o.GetProperty("op").GetString()!).ToArray();
        Assert.Contains("forward linear", ops);
        Assert.Equal(train, ops.Contains("backward linear"));
        var gemms = profile.GetProperty("gemm").EnumerateArray().ToArray();
        Assert.NotEmpty(gemms);
        Assert.All(gemms, g => Assert.True(g.GetProperty("m").GetInt32() > 0 && g.GetProperty("calls").GetDouble() > 0 && g.GetProperty("gflops").GetDouble() >= 0, g.ToString()));

        var (textCode, text, textErr) = Run(args.Where(a => a != "--json").ToArray());
        Assert.True(textCode == 0, textErr);
        Assert.Contains("GEMM  M x N x K", text);
        Assert.Contains("forward linear", text);
    }

    [Fact]
    public void Bench_model_refuses_unknown_presets()
    {
        var (code, output, err) = Run("bench", "model", "--model", "vit_enormous");
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Assert.Contains("vit_enormous", OneLine(err));
    }
}
