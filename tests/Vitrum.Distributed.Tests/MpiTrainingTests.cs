using System.Diagnostics;
using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Nn.IO;
using Xunit;

namespace Vitrum.Distributed.Tests;

/// <summary>
/// <c>mpirun -np 2 vitrum train</c> on loopback, on a tiny colour folder (bright vs dark 16x16 images: 48 training
/// images, 6 validation, 6 test) and a two-block ViT of width 16.
/// </summary>
public class MpiTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-mpi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <param name="perClass">images per class: 30 give 4 steps of 12 per epoch, 300 give 45</param>
    private string[] Train(string outDir, int epochs, int threads, int perClass, params string[] extra)
    {
        var data = Path.Combine(_dir, $"data{perClass}");
        if (!Directory.Exists(data))
        {
            var rng = new Random(4);
            foreach (var (cls, lo, hi) in new[] { ("bright", 150, 256), ("dark", 0, 100) })
                for (int i = 0; i < perClass; i++)
                {
                    var p = Path.Combine(data, cls, $"{i:D3}.png");
                    Directory.CreateDirectory(Path.GetDirectoryName(p)!);
                    ImageFile.SavePng(p, new DecodedImage(16, 16, 3, Enumerable.Range(0, 16 * 16 * 3).Select(_ => (byte)rng.Next(lo, hi)).ToArray()));
                }
            File.WriteAllText(Path.Combine(_dir, "tiny.json"),
                """{"family": "vit", "img_size": 16, "patch_size": 4, "in_chans": 3, "num_classes": 2, "embed_dim": 16, "depth": 2, "num_heads": 2, "mlp_ratio": 2}""");
        }
        return new[] { "train", "--model", Path.Combine(_dir, "tiny.json"), "--dataset", data, "--batch-size", "12", "--warmup-epochs", "0", "--lr", "3e-3",
            "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", Path.Combine(_dir, outDir),
            "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json" }.Concat(extra).ToArray();
    }

    [Fact]
    public void Two_ranks_of_one_thread_train_the_weights_of_one_process_of_two_threads_with_the_same_global_batch()
    {
        // 4 steps of 12 per epoch: 20 steps.
        var (code, output, err) = Mpirun.Single(Train("one", 5, 2, 30));
        Assert.True(code == 0, err);
        (code, output, err) = Mpirun.Run(2, Train("two", 5, 1, 30));
        Assert.True(code == 0, err);
        using (var j = JsonDocument.Parse(output.Trim().Split('\n')[^1]))
        {
            Assert.Equal(2, j.RootElement.GetProperty("world_size").GetInt32());
            Assert.Equal(12, j.RootElement.GetProperty("global_batch").GetInt32());
            Assert.Equal(20, j.RootElement.GetProperty("steps").GetInt32());
        }
        // Rank 0 alone reports and writes: one JSON line, one metrics line per epoch.
        Assert.Single(output.Trim().Split('\n'), l => l.StartsWith('{'));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(_dir, "two", "metrics.jsonl")).Length);
        Assert.Contains("2 processes (OpenMpi", err);

        var one = StateDictFile.Load(Path.Combine(_dir, "one", "last.safetensors"));
        var two = StateDictFile.Load(Path.Combine(_dir, "two", "last.safetensors"));
        double diff = 0, norm = 0;
        foreach (var (key, a) in one)
        {
            var x = a.ToArray();
            var y = two[key].ToArray();
            for (int i = 0; i < x.Length; i++) (diff, norm) = (diff + Math.Pow(x[i] - y[i], 2), norm + (double)x[i] * x[i]);
        }
        Assert.InRange(Math.Sqrt(diff / norm), 0, 1e-4);
        // Not trivially equal either: the weights moved from their initial values.
        Assert.Contains("epoch 5:", err);
    }

    [Fact]
    public void A_rank_killed_mid_run_stops_the_other_within_60_s_and_resume_finishes_the_run()
    {
        var outDir = Path.Combine(_dir, "killed");
        using var p = Mpirun.Start(2, Train("killed", 8, 1, 300));
        var (errText, outText) = (new System.Text.StringBuilder(), new System.Text.StringBuilder());
        p.ErrorDataReceived += (_, e) => { lock (errText) errText.AppendLine(e.Data); };
        p.OutputDataReceived += (_, e) => { lock (outText) outText.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        var metrics = Path.Combine(outDir, "metrics.jsonl");
        var waiting = Stopwatch.StartNew();
        while (!(File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 2) && !p.HasExited && waiting.Elapsed < TimeSpan.FromSeconds(120)) Thread.Sleep(100);
        Assert.False(p.HasExited, $"the run ended before a rank could be killed: {errText}");
        using var rank0 = RankProcess(outDir, 0);
        using (var rank1 = RankProcess(outDir, 1)) rank1.Kill();
        var killed = Stopwatch.StartNew();
        Assert.True(p.WaitForExit(60_000), "mpirun did not stop within 60 s of the kill");
        Assert.NotEqual(0, p.ExitCode);
        // The launcher may return before rank 0 is gone; the resumed run needs its folder back.
        Assert.True(rank0.WaitForExit(TimeSpan.FromSeconds(60) - killed.Elapsed), "rank 0 did not stop within 60 s of the kill");
        p.WaitForExit();
        var (err, output) = (errText.ToString(), outText.ToString());
        Assert.DoesNotContain("   at ", err);
        Assert.False(output.Contains('{'), "an interrupted run reports no result");

        var (code, resumed, log) = Mpirun.Run(2, Train("killed", 8, 1, 300, "--resume"));
        Assert.True(code == 0, log);
        Assert.Contains("resumed from", log);
        using var j = JsonDocument.Parse(resumed.Trim().Split('\n')[^1]);
        Assert.Equal(8, j.RootElement.GetProperty("epochs").GetInt32());
        Assert.Equal(1.0, j.RootElement.GetProperty("test_accuracy").GetDouble());
    }

    /// <summary>The process of rank <paramref name="rank"/> of the run writing to <paramref name="outDir"/>, found by its command line and launcher's environment.</summary>
    private static Process RankProcess(string outDir, int rank)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                var cmd = ReadProc(Path.Combine(dir, "cmdline"));
                if (!cmd.Contains(outDir) || !cmd.Any(a => a.EndsWith("vitrum.dll", StringComparison.Ordinal))) continue;
                var env = ReadProc(Path.Combine(dir, "environ"));
                if (env.Contains($"OMPI_COMM_WORLD_RANK={rank}") || env.Contains($"PMI_RANK={rank}")) return Process.GetProcessById(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        throw new Xunit.Sdk.XunitException($"no rank {rank} process writes to {outDir} ");
    }

    /// <summary>A NUL-separated /proc file (its reported size is 0: read to the end).</summary>
    private static string[] ReadProc(string path)
    {
        using var r = new StreamReader(path);
        return r.ReadToEnd().Split('\0');
    }
}
