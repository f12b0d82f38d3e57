using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Text;
using Vitrum.Models.Transformer;
using Vitrum.Tensors;
using Vitrum.Training.Distributed;
using Vitrum.Training.Metrics;

namespace Vitrum.Training;

/// <summary>Decoding a grapheme-to-phoneme model over a data set and scoring it (WER/PER against all references).</summary>
public static class Seq2SeqEvaluation
{
    /// <summary>
    /// The most output tokens (eos included) for a source of <paramref name="srcLength"/> letters. CMUdict's
    /// pronunciations have at most a few more phonemes than letters ("gdp": 6 for 3), so 2x + 8 never cuts
    /// a plausible output short, while a model that fails to emit eos stops early. Capped by the position table.
    /// </summary>
    public static int MaxOutputLength(TransformerConfig config, int srcLength) => Math.Min(config.MaxLen - 1, 2 * srcLength + 8);

    /// <summary>Predicted phoneme ids (no bos/eos) for every example, in order; greedy when beamSize is 1.</summary>
    public static long[][] Predict(TransformerModel model, IReadOnlyList<long[]> sources, int batchSize, int beamSize = 1, float lengthPenalty = 0.6f, CancellationToken ct = default)
    {
        var order = Enumerable.Range(0, sources.Count).OrderBy(i => sources[i].Length).ToArray();
        var result = new long[sources.Count][];
        for (int b = 0; b < order.Length; b += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            var idx = order.AsSpan(b, Math.Min(batchSize, order.Length - b)).ToArray();
            using var src = BucketBatcher.Padded(idx.Select(i => sources[i]).ToArray());
            int maxLen = MaxOutputLength(model.Config, src.Shape[1]);
            var outs = beamSize <= 1
                ? TransformerDecoding.Greedy(model, src, maxLen, Vocabulary.Bos, Vocabulary.Eos)
                : TransformerDecoding.Beam(model, src, beamSize, maxLen, Vocabulary.Bos, Vocabulary.Eos, lengthPenalty);
            for (int k = 0; k < idx.Length; k++) result[idx[k]] = outs[k];
        }
        return result;
    }

    /// <param name="group">data-parallel: each rank decodes its shard of the words (<see cref="DataShard"/>, no padding) and the
    /// counts are summed, so every rank returns the whole set's score</param>
    public static PronunciationScore Score(TransformerModel model, IReadOnlyList<G2PExample> examples, int batchSize, int beamSize = 1, float lengthPenalty = 0.6f,
        CancellationToken ct = default, IProcessGroup? group = null)
    {
        if (group is { Size: > 1 })
        {
            var mine = new DataShard(group.Rank, group.Size).Of(Enumerable.Range(0, examples.Count).ToArray(), pad: false);
            var score = Score(model, mine.Select(i => examples[i]).ToArray(), batchSize, beamSize, lengthPenalty, ct);
            score.SumOver(group);
            return score;
        }
        var predictions = Predict(model, examples.Select(e => e.Letters).ToArray(), batchSize, beamSize, lengthPenalty, ct);
        var whole = new PronunciationScore();
        for (int i = 0; i < examples.Count; i++) whole.Add(predictions[i], examples[i].Pronunciations);
        return whole;
    }

    /// <summary>How many target tokens other than padding have their arg-max logit at the target.</summary>
    /// <param name="logits">[M, V] (contiguous)</param>
    /// <param name="targets">[M] int64</param>
    public static int CountCorrectTokens(Tensor logits, Tensor targets, long padId)
    {
        var x = logits.Contiguous().AsSpan();
        var t = targets.Contiguous().AsLongSpan();
        int v = logits.Shape[^1], correct = 0;
        for (int r = 0; r < t.Length; r++)
        {
            if (t[r] == padId) continue;
            var row = x.Slice(r * v, v);
            int best = 0;
            for (int i = 1; i < v; i++) if (row[i] > row[best]) best = i;
            if (best == t[r]) correct++;
        }
        return correct;
    }
}
