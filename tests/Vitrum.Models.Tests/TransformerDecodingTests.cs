using Vitrum.Models.Transformer;
using Vitrum.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>Greedy and beam decoding, with and without the decoder's key/value cache.</summary>
public class TransformerDecodingTests(ITestOutputHelper output)
{
    [Fact]
    public void Trained_reversal_model_decodes_reversed_sequences_greedily()
    {
        var (src, seqs) = ReversalTask.Batch(16, new Random(11));
        var got = TransformerDecoding.Greedy(ReversalTask.Model, src, 10, ReversalTask.Bos, ReversalTask.Eos);
        int right = seqs.Select((s, i) => s.Reverse().SequenceEqual(got[i]) ? 1 : 0).Sum();
        output.WriteLine($"{right}/16 reversed exactly");
        Assert.True(right >= 12, $"only {right}/16 sequences reversed: the model or decoding is broken");
    }

    [Fact]
    public void Cached_and_uncached_greedy_decoding_give_the_same_tokens()
    {
        var (src, _) = ReversalTask.Batch(12, new Random(12));
        var cached = TransformerDecoding.Greedy(ReversalTask.Model, src, 12, ReversalTask.Bos, ReversalTask.Eos, useCache: true);
        var uncached = TransformerDecoding.Greedy(ReversalTask.Model, src, 12, ReversalTask.Bos, ReversalTask.Eos, useCache: false);
        Assert.Equal(uncached, cached);
    }

    [Theory]
    [InlineData(3, 0.6f)]
    [InlineData(4, 0f)]
    public void Cached_and_uncached_beam_search_give_the_same_tokens(int beam, float alpha)
    {
        var (src, _) = ReversalTask.Batch(6, new Random(13));
        var cached = TransformerDecoding.Beam(ReversalTask.Model, src, beam, 12, ReversalTask.Bos, ReversalTask.Eos, alpha, useCache: true);
        var uncached = TransformerDecoding.Beam(ReversalTask.Model, src, beam, 12, ReversalTask.Bos, ReversalTask.Eos, alpha, useCache: false);
        Assert.Equal(uncached, cached);
    }

    [Fact]
    public void Beam_size_one_equals_greedy()
    {
        var (src, _) = ReversalTask.Batch(10, new Random(14));
        var greedy = TransformerDecoding.Greedy(ReversalTask.Model, src, 9, ReversalTask.Bos, ReversalTask.Eos);
        Assert.Equal(greedy, TransformerDecoding.Beam(ReversalTask.Model, src, 1, 9, ReversalTask.Bos, ReversalTask.Eos));
        var random = TransformerFixture.Model("pre_gelu");
        var fsrc = TransformerFixture.Expected("pre_gelu", "src");
        Assert.Equal(TransformerDecoding.Greedy(random, fsrc, 8, 1, 2), TransformerDecoding.Beam(random, fsrc, 1, 8, 1, 2));
    }

    [Fact]
    public void Beam_search_finds_a_sequence_at_least_as_probable_as_greedy()
    {
        var model = TransformerFixture.Model("post_relu");
        var src = TransformerFixture.Expected("post_relu", "src");
        var greedy = TransformerDecoding.Greedy(model, src, 6, 1, 2);
        var beam = TransformerDecoding.Beam(model, src, 4, 6, 1, 2, lengthPenalty: 0);
        for (int i = 0; i < greedy.Length; i++)
            Assert.True(LogProb(model, src, i, beam[i]) >= LogProb(model, src, i, greedy[i]) - 1e-4,
                $"row {i}: beam {string.Join(" ", beam[i])} is less probable than greedy {string.Join(" ", greedy[i])}");
    }

    /// <summary>log P(tokens + eos | source row), eos left out when the sequence hit the length limit (6).</summary>
    private static double LogProb(TransformerModel model, Tensor src, int row, long[] tokens)
    {
        var s = src.Narrow(0, row, 1).Contiguous();
        var outSeq = tokens.Length < 6 ? [.. tokens, 2L] : tokens;
        long[] tgt = [1, .. outSeq[..^1]];
        using var _ = Tensors.Autograd.GradMode.NoGrad();
        var logp = Ops.LogSoftmax(model.Forward(s, Tensor.FromLongs(tgt, 1, tgt.Length)), -1);
        return outSeq.Select((t, i) => (double)logp.At(0, i, (int)t)).Sum();
    }

    [Fact]
    public void Batched_padded_beam_search_equals_decoding_each_source_alone()
    {
        var (src, seqs) = ReversalTask.Batch(5, new Random(16));
        var batched = TransformerDecoding.Beam(ReversalTask.Model, src, 3, 10, ReversalTask.Bos, ReversalTask.Eos);
        for (int i = 0; i < seqs.Length; i++)
        {
            var alone = TransformerDecoding.Beam(ReversalTask.Model, Tensor.FromLongs(seqs[i], 1, seqs[i].Length), 3, 10, ReversalTask.Bos, ReversalTask.Eos);
            Assert.Equal(alone[0], batched[i]);
        }
    }

    [Fact]
    public void Beam_search_on_the_trained_model_reverses_sequences()
    {
        var (src, seqs) = ReversalTask.Batch(8, new Random(15));
        var got = TransformerDecoding.Beam(ReversalTask.Model, src, 4, 10, ReversalTask.Bos, ReversalTask.Eos);
        int right = seqs.Select((s, i) => s.Reverse().SequenceEqual(got[i]) ? 1 : 0).Sum();
        Assert.True(right >= 6, $"only {right}/8 reversed by beam search");
    }

    [Fact]
    public void Decoding_restores_the_training_mode_and_validates_its_arguments()
    {
        var model = new TransformerModel(ReversalTask.Config, seed: 2);
        var src = Tensor.FromLongs([3, 4, 5], 1, 3);
        TransformerDecoding.Greedy(model, src, 3, 1, 2);
        Assert.True(model.Training);
        Assert.Contains("maxLen 41", Assert.Throws<ArgumentException>(() => TransformerDecoding.Greedy(model, src, 41, 1, 2)).Message);
        Assert.Contains("eos id 12", Assert.Throws<ArgumentException>(() => TransformerDecoding.Greedy(model, src, 5, 1, 12)).Message);
        Assert.Contains("beam size", Assert.Throws<ArgumentException>(() => TransformerDecoding.Beam(model, src, 0, 5, 1, 2)).Message);
    }
}
