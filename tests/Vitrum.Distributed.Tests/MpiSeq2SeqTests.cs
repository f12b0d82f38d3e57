using System.Text.Json;
using Vitrum.Models.Transformer;
using Vitrum.Nn.IO;
using Xunit;

namespace Vitrum.Distributed.Tests;

/// <summary><c>mpirun -np 2 vitrum train</c> of a grapheme-to-phoneme Transformer on a few CMUdict words, on loopback.</summary>
public class MpiSeq2SeqTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-mpi-g2p-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Train(string outDir, int threads)
    {
        var config = Path.Combine(_dir, "tiny.json");
        // No dropout: its masks are drawn per process (as DistributedDataParallel's are), so they would differ.
        if (!File.Exists(config))
            File.WriteAllText(config, (TransformerPresets.G2pTransformer with
            {
                DModel = 16, NHead = 2, NumEncoderLayers = 1, NumDecoderLayers = 1, DimFeedforward = 32, MaxLen = 40, Dropout = 0,
            }).ToJson());
        // A batch of 15 pairs splits 8 + 7: every step has a rank whose last row is a repeat that must count for nothing.
        return new[] { "train", "--model", config, "--dataset", "cmudict", "--train-words", "90", "--batch-size", "15", "--epochs", "2",
            "--warmup-steps", "3", "--lr", "3e-3", "--out", Path.Combine(_dir, outDir),
            "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json" };
    }

    [Fact]
    public void Two_ranks_of_one_thread_train_the_weights_of_one_process_of_two_threads_on_ragged_batches()
    {
        var (code, output, err) = Mpirun.Single(Train("one", 2));
        Assert.True(code == 0, err);
        using var single = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        (code, output, err) = Mpirun.Run(2, Train("two", 1));
        Assert.True(code == 0, err);
        Assert.Contains("2 processes (OpenMpi", err);
        // Rank 0 alone reports: one JSON line.
        Assert.Single(output.Trim().Split('\n'), l => l.StartsWith('{'));
        using var two = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        Assert.Equal(2, two.RootElement.GetProperty("world_size").GetInt32());
        Assert.Equal(15, two.RootElement.GetProperty("global_batch").GetInt32());
        long steps = single.RootElement.GetProperty("steps").GetInt64();
        Assert.True(steps >= 12, $"{steps} steps");
        Assert.Equal(steps, two.RootElement.GetProperty("steps").GetInt64());

        var a = StateDictFile.Load(Path.Combine(_dir, "one", "last.safetensors"));
        var b = StateDictFile.Load(Path.Combine(_dir, "two", "last.safetensors"));
        double diff = 0, norm = 0, moved = 0;
        var init = new TransformerModel(TransformerConfig.FromJson(File.ReadAllText(Path.Combine(_dir, "tiny.json")), "tiny.json"), seed: 0).StateDict();
        double keyBiasDiff = 0;
        foreach (var (key, t) in a)
        {
            var x = t.ToArray();
            var y = b[key].ToArray();
            var x0 = init[key].ToArray();
            // The key third of in_proj_bias adds q.b_k to every score of a query, which the softmax cancels: its true gradient
            // is 0, so its updates are Adam-normalised rounding noise of either run, with no effect on any output.
            bool keyBias = key.EndsWith("in_proj_bias", StringComparison.Ordinal);
            for (int i = 0; i < x.Length; i++)
            {
                if (keyBias && i >= x.Length / 3 && i < 2 * x.Length / 3) { keyBiasDiff = Math.Max(keyBiasDiff, Math.Abs(x[i] - y[i])); continue; }
                (diff, norm, moved) = (diff + Math.Pow(x[i] - y[i], 2), norm + (double)x[i] * x[i], moved + Math.Pow(x[i] - x0[i], 2));
            }
        }
        Assert.True(Math.Sqrt(diff / norm) <= 1e-4, $"weights differ by {Math.Sqrt(diff / norm)} relative (key biases, left out, by up to {keyBiasDiff})");
        // The weights did move, far more than the two runs differ.
        Assert.True(Math.Sqrt(moved / norm) > 1e-2, $"weights moved by {Math.Sqrt(moved / norm)} relative");

        // Decoding the untrained model's long outputs flips with the last bits (the key biases above), so the scores are
        // compared only for their presence here; Seq2SeqShardTests pins that the sharded counts add up to the whole split's.
        Assert.True(two.RootElement.GetProperty("test_per").GetDouble() > 0);
    }
}
