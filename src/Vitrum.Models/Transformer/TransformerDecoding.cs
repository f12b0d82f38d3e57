// Greedy and beam-search decoding for the encoder-decoder Transformer (Vaswani et al., 2017, section 6.1: beam
// search with a length penalty); the penalty is GNMT's (Wu et al., 2016, eq. 14), the bookkeeping (2k candidates,
// end-of-sequence only from the top k) fairseq's sequence_generator.
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Transformer;

/// <summary>
/// Decodes a batch of source sequences: the encoder runs once per call, then one decoder step per output token,
/// with the decoder's key/value cache (default) or, for reference, by re-running the decoder over the prefix.
/// Outputs hold the generated tokens without bos and eos. The model runs in eval mode (its mode is restored).
/// </summary>
public static class TransformerDecoding
{
    /// <summary>The most probable next token at every step, until eos or <paramref name="maxLen"/> tokens.</summary>
    /// <param name="src">[N, S] int64 source ids (padded with pad_id)</param>
    /// <param name="maxLen">the most tokens generated per sequence (eos included)</param>
    /// <returns>N token sequences</returns>
    public static long[][] Greedy(TransformerModel model, Tensor src, int maxLen, long bosId, long eosId, bool useCache = true) =>
        Run(model, src, maxLen, bosId, eosId, 1, (memory, padding) =>
        {
            int n = memory.Shape[0], v = model.Config.TgtVocabSize;
            var outputs = Enumerable.Range(0, n).Select(_ => new List<long>()).ToArray();
            var done = new bool[n];
            var tokens = Enumerable.Repeat(bosId, n).ToArray();
            using var stepper = DecodingStepper.Create(model, memory, padding, maxLen, useCache);
            for (int step = 0; step < maxLen && done.Contains(false); step++)
            {
                var logp = stepper.Step(tokens);
                for (int r = 0; r < n; r++)
                {
                    if (done[r]) { tokens[r] = eosId; continue; }
                    var row = logp.Slice(r * v, v);
                    int best = 0;
                    for (int i = 1; i < v; i++) if (row[i] > row[best]) best = i;
                    tokens[r] = best;
                    if (best == eosId) done[r] = true;
                    else outputs[r].Add(best);
                }
            }
            return outputs.Select(o => o.ToArray()).ToArray();
        });

    /// <summary>
    /// Beam search: <paramref name="beamSize"/> hypotheses per source, each step extended by every token; a
    /// hypothesis ending in eos is finished, scored log P / lp(|Y|) with lp(L) = ((5 + L) / 6)^alpha, and a source
    /// stops when it has beamSize finished ones (or at maxLen, where the live ones finish as they are).
    /// Beam size 1 gives the greedy result.
    /// </summary>
    /// <param name="src">[N, S] int64 source ids</param>
    /// <param name="lengthPenalty">GNMT's alpha; 0 ranks by log-probability alone</param>
    /// <returns>N token sequences, each the best finished hypothesis of its source</returns>
    public static long[][] Beam(TransformerModel model, Tensor src, int beamSize, int maxLen, long bosId, long eosId,
        float lengthPenalty = 0.6f, bool useCache = true)
    {
        if (beamSize < 1) throw new ArgumentException($"TransformerDecoding.Beam: beam size must be >= 1, got {beamSize}");
        if (!(lengthPenalty >= 0)) throw new ArgumentException($"TransformerDecoding.Beam: length penalty must be >= 0, got {lengthPenalty}");
        return Run(model, src, maxLen, bosId, eosId, beamSize, (memory, padding) =>
        {
            using var stepper = DecodingStepper.Create(model, memory, padding, maxLen, useCache);
            return new BeamSearch(stepper, model.Config.TgtVocabSize, memory.Shape[0] / beamSize, beamSize, bosId, eosId, lengthPenalty).Run(maxLen);
        });
    }

    /// <summary>Checks, eval mode, no gradients, one tensor scope; encodes once and repeats each memory row <paramref name="repeat"/> times.</summary>
    private static long[][] Run(TransformerModel model, Tensor src, int maxLen, long bosId, long eosId, int repeat,
        Func<Tensor, Tensor?, long[][]> decode)
    {
        var c = model.Config;
        if (maxLen < 1 || maxLen > c.MaxLen)
            throw new ArgumentException($"TransformerDecoding: maxLen {maxLen} is outside [1, max_len {c.MaxLen}] (bos plus the generated tokens must fit the position table)");
        foreach (var (name, id) in new[] { ("bos", bosId), ("eos", eosId) })
            if (id < 0 || id >= c.TgtVocabSize) throw new ArgumentException($"TransformerDecoding: {name} id {id} is outside the target vocabulary [0, {c.TgtVocabSize})");
        bool training = model.Training;
        model.Eval();
        try
        {
            using var scope = new TensorScope();
            using var noGrad = GradMode.NoGrad();
            var memory = model.Encode(src);
            var padding = model.Padding(src);
            if (repeat > 1)
            {
                int n = memory.Shape[0], s = memory.Shape[1];
                memory = memory.Unsqueeze(1).Expand(n, repeat, s, c.DModel).Contiguous().Reshape(n * repeat, s, c.DModel);
                padding = padding?.Unsqueeze(1).Expand(n, repeat, s).Contiguous().Reshape(n * repeat, s);
            }
            return decode(memory, padding);
        }
        finally { model.Train(training); }
    }
}
