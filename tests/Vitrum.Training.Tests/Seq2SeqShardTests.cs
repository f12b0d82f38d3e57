using Vitrum.Data.Loading;
using Vitrum.Models.Transformer;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;
using Vitrum.Training.Distributed;
using Vitrum.Training.Tasks;
using Xunit;

namespace Vitrum.Training.Tests;

/// <summary>
/// Data-parallel sequence-to-sequence training within one process: each rank's shard of a batch, its loss and gradients,
/// and its share of the decoding, against the one process's.
/// </summary>
public class Seq2SeqShardTests
{
    [Theory]
    [InlineData(7, 3)]
    [InlineData(8, 2)]
    [InlineData(2, 3)]
    public void The_ranks_shards_of_a_batch_hold_its_rows_once_and_repeats_carry_no_target(int batchSize, int ranks)
    {
        var pairs = BucketBatcher.Pairs(TinyG2P.Data(40, 5).Train);
        var whole = new BucketBatcher(pairs, batchSize, seed: 3);
        var plan = whole.Plan(1);
        foreach (var rows in plan.Take(4))
        {
            using var global = whole.Make(rows);
            int src = 0, tgt = 0, untargeted = 0;
            for (int r = 0; r < ranks; r++)
            {
                var sharded = new BucketBatcher(pairs, batchSize, seed: 3) { Shard = new DataShard(r, ranks) };
                using var mine = sharded.MakeShard(rows);
                Assert.Equal((rows.Length + ranks - 1) / ranks, mine.Size);
                Assert.Equal(global.TgtTokens, mine.BatchTgtTokens);
                Assert.Equal(global.SrcTokens + global.TgtTokens, mine.BatchTokens);
                (src, tgt) = (src + mine.SrcTokens, tgt + mine.TgtTokens);
                var tout = mine.TgtOut.AsLongSpan();
                int t = mine.TgtOut.Shape[1];
                for (int i = 0; i < mine.Size; i++)
                    if (tout.Slice(i * t, t).IndexOfAnyExcept(0L) < 0) untargeted++;
            }
            Assert.Equal(global.SrcTokens, src);
            Assert.Equal(global.TgtTokens, tgt);
            Assert.Equal((rows.Length + ranks - 1) / ranks * ranks - rows.Length, untargeted);
        }
    }

    [Fact]
    public void The_ranks_losses_and_averaged_gradients_are_the_one_process_ones_on_a_ragged_batch()
    {
        var data = TinyG2P.Data(60, 5);
        var config = TinyG2P.Config();
        var options = new TrainOptions { BatchSize = 9, LabelSmoothing = 0.1, Seed = 2 };
        var (loss, grads) = LossAndGradients(config, data, options);
        double meanLoss = 0;
        Dictionary<string, float[]>? sum = null;
        for (int r = 0; r < 2; r++)
        {
            var (l, g) = LossAndGradients(config, data, options with { Group = new OneRankOf(r, 2) });
            meanLoss += l / 2;
            if (sum == null) sum = g.ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => v / 2).ToArray());
            else foreach (var (k, v) in g) for (int i = 0; i < v.Length; i++) sum[k][i] += v[i] / 2;
        }
        Assert.Equal(loss, meanLoss, 1e-5);
        foreach (var (k, g) in grads)
        {
            double scale = Math.Max(1e-3, g.Max(Math.Abs));
            for (int i = 0; i < g.Length; i++) Assert.True(Math.Abs(g[i] - sum![k][i]) <= 1e-4 * scale, $"{k}[{i}]: {g[i]} vs {sum[k][i]}");
        }
    }

    private static (double Loss, Dictionary<string, float[]> Grads) LossAndGradients(TransformerConfig config, Data.Datasets.G2PData data, TrainOptions options)
    {
        var model = new TransformerModel(config, seed: 5);
        var task = new Seq2SeqTask(model, data, options);
        using var batch = task.Epoch(0, 0).First();
        using var scope = new TensorScope();
        var b = task.Loss(batch, 0);
        b.Loss.Backward();
        return (b.Loss.Item(), model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToArray()));
    }

    [Fact]
    public void The_ranks_shares_of_the_decoding_add_up_to_the_whole_splits_score()
    {
        var data = TinyG2P.Data(10, 30);
        var model = new TransformerModel(TinyG2P.Config(), seed: 7);
        // One word a batch: a word decodes alike whichever rank decodes it.
        var whole = Seq2SeqEvaluation.Score(model, data.Valid, batchSize: 1);
        var parts = Enumerable.Range(0, 3).Select(r => Seq2SeqEvaluation.Score(model, data.Valid, batchSize: 1, group: new OneRankOf(r, 3))).ToArray();
        Assert.Equal(data.Valid.Count, whole.Words);
        Assert.Equal(whole.Words, parts.Sum(p => p.Words));
        Assert.Equal(whole.WrongWords, parts.Sum(p => p.WrongWords));
        Assert.Equal(whole.Edits, parts.Sum(p => p.Edits));
        Assert.Equal(whole.ReferenceLength, parts.Sum(p => p.ReferenceLength));
        Assert.All(parts, p => Assert.InRange(p.Words, 9, 11));
    }
}
