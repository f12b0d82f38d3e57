using System.Text.Json;
using Vitrum.Training.Tests;
using Xunit;

namespace Vitrum.Distributed.Tests;

/// <summary><c>mpirun -np 2 vitrum train</c> of a tiny DETR on the miniature digit scenes (a COCO folder), on loopback.</summary>
public class MpiDetectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-mpi-detr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Two_ranks_train_detr_report_once_and_test_on_gathered_detections()
    {
        var scenes = TinyScenes.Write(Path.Combine(_dir, "scenes"));
        var config = Path.Combine(_dir, "tiny_detr.json");
        File.WriteAllText(config, TinyScenes.ConfigJson);
        var run = Path.Combine(_dir, "two");
        var (code, output, err) = Mpirun.Run(2, new[] { "train", "--model", config, "--dataset", scenes, "--epochs", "2", "--batch-size", "4",
            "--out", run, "--threads", "1", "--json" });
        Assert.True(code == 0, err);
        Assert.Contains("2 processes (OpenMpi", err);
        // Rank 0 alone reports and writes.
        Assert.Single(output.Trim().Split('\n'), l => l.StartsWith('{'));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
        Assert.Contains("train loss ce", err);
        using var two = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        Assert.Equal(2, two.RootElement.GetProperty("world_size").GetInt32());
        Assert.Equal(4, two.RootElement.GetProperty("global_batch").GetInt32());
        // 8 training scenes in global batches of 4 (2 a rank).
        Assert.Equal(4, two.RootElement.GetProperty("steps").GetInt64());

        // The test ran on the final weights, each rank detecting on 3 of the 6 test scenes and the detections gathered: every
        // COCO number is there and equals one process's evaluation of those weights. (A model this small scores 0 after 4
        // steps, so the equality is of the plumbing; DetrEvaluationShardTests pins where each rank's detections go.)
        foreach (var name in new[] { "ap", "ap50", "ar100" })
            Assert.True(two.RootElement.GetProperty("test_" + name).ValueKind == JsonValueKind.Number, $"test_{name}");
        (code, output, err) = Mpirun.Single(new[] { "eval", "--weights", Path.Combine(run, "last.safetensors"), "--dataset", scenes, "--threads", "1", "--json" });
        Assert.True(code == 0, err);
        using var one = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        Assert.Equal(TinyScenes.Options.TestScenes, one.RootElement.GetProperty("images").GetInt32());
        foreach (var name in new[] { "ap", "ap50", "ap75", "ar1", "ar10", "ar100" })
            Assert.Equal(one.RootElement.GetProperty("test_" + name).GetDouble(), two.RootElement.GetProperty("test_" + name).GetDouble(), 6);
    }
}
