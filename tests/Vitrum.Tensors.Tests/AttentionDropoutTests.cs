using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Dropout on the probabilities inside the fused attention kernel (PyTorch's dropout_p).</summary>
public class AttentionDropoutTests
{
    private const float P = 0.3f;
    private const ulong Seed = 5;

    /// <summary>Cases that reach every kernel path: key blocks with tails, causality, padding, bias, strided views, grouped heads, split query blocks.</summary>
    public static TheoryData<string> Cases() => new(
        "plain", "head_dim_not_vector_multiple", "blocks_with_tails", "causal_more_keys", "key_padding_and_causal",
        "mask_full_with_masked_rows", "bias_mask_causal_long", "strided_qkv_views", "many_small_heads_grouped",
        "head_dim_8_tall_masked_tiles", "one_head_query_blocks_split");

    /// <summary>The output and every leaf's gradient, fused with dropout or composed from ops with the same mask.</summary>
    private static (float[] output, float[][] grads) Run(AttentionCase c, bool fused)
    {
        var (q, k, v, mask, bias, leaves) = c.Inputs(requireGrad: true);
        Tensor o;
        if (fused) o = Ops.ScaledDotProductAttention(q, k, v, mask, bias, isCausal: c.Causal, dropoutP: P, generator: new Generator(Seed));
        else
        {
            // The fused op keys its mask with the generator's first draw.
            ulong key = new Generator(Seed).NextUInt64();
            Ops.AttentionUnfused(q, k, v, mask, bias, null, c.Causal, out var probs);
            o = Ops.MatMul(Ops.Mul(probs, Ops.AttentionDropoutMask(c.B, c.H, c.Nq, c.Nk, P, key)), v);
        }
        o.Backward(Tensor.Randn(new Generator(99), o.Shape));
        return (o.ToArray(), leaves.Select(t => t.Grad!.ToArray()).ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_dropout_equals_the_composed_ops_with_the_same_mask_in_output_and_every_gradient(string name)
    {
        var c = AttentionTests.Find(name);
        var (fo, fg) = Run(c, fused: true);
        var (uo, ug) = Run(c, fused: false);
        GradCheck.Close(uo, fo, 1e-5, 1e-5, $"{name} output");
        for (int i = 0; i < fg.Length; i++)
        {
            Assert.DoesNotContain(fg[i], float.IsNaN);
            GradCheck.Close(ug[i], fg[i], 1e-5, 1e-5, $"{name} gradient {i}");
        }
        // Dropout changed the result: it is not the attention without it.
        var (plain, _) = AttentionTests.RunWithGrads(c, fused: true);
        Assert.Contains(fo.Zip(plain), x => Math.Abs(x.First - x.Second) > 1e-3);
    }

    [Fact]
    public void The_mask_drops_about_p_scales_the_rest_and_depends_only_on_its_key()
    {
        var a = Ops.AttentionDropoutMask(2, 3, 50, 77, P, 12345).ToArray();
        double dropped = a.Count(x => x == 0f) / (double)a.Length;
        // 23,100 draws: the standard deviation of the fraction is 0.003.
        Assert.InRange(dropped, P - 0.015, P + 0.015);
        Assert.All(a.Where(x => x != 0f), x => Assert.Equal(1f / (1f - P), x));
        Assert.Equal(a, Ops.AttentionDropoutMask(2, 3, 50, 77, P, 12345).ToArray());
        var other = Ops.AttentionDropoutMask(2, 3, 50, 77, P, 12346).ToArray();
        Assert.InRange(a.Zip(other).Count(x => x.First != x.Second) / (double)a.Length, 0.3, 0.55);
        // Rows are not one pattern repeated: row 0 and row 1 of the first head differ.
        Assert.NotEqual(a.AsSpan(0, 77).ToArray(), a.AsSpan(77, 77).ToArray());
    }

    [Fact]
    public void Averaged_over_many_masks_the_output_is_the_attention_without_dropout()
    {
        // Inverted dropout keeps the expectation: mean over keys of (P * M) V = P V.
        var (q, k, v, _, _, _) = AttentionTests.Find("plain").Inputs();
        var expected = Ops.ScaledDotProductAttention(q, k, v).ToArray();
        var sum = new double[expected.Length];
        var gen = new Generator(3);
        const int draws = 4000;
        for (int n = 0; n < draws; n++)
        {
            var o = Ops.ScaledDotProductAttention(q, k, v, dropoutP: P, generator: gen).ToArray();
            for (int i = 0; i < o.Length; i++) sum[i] += o[i];
        }
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], sum[i] / draws, 0.03);
    }

    [Fact]
    public void Fused_dropout_backward_matches_finite_differences()
    {
        // A fresh generator per call: every evaluation draws the same mask.
        var c = new AttentionCase("fd_dropout", 2, 2, 4, 5, 3, 3, Causal: true, MaskShape: new[] { 2, 1, 1, 5 }, BiasShape: new[] { 1, 2, 4, 5 });
        var (q, k, v, mask, bias, _) = c.Inputs();
        GradCheck.Check(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2], mask, x[3], isCausal: true, dropoutP: 0.4f, generator: new Generator(8)),
            new[] { q, k, v, bias! });
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void A_probability_outside_zero_to_one_is_rejected_naming_the_op(float p)
    {
        var (q, k, v, _, _, _) = AttentionTests.Find("plain").Inputs();
        var e = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, k, v, dropoutP: p, generator: new Generator(1)));
        Assert.Contains("ScaledDotProductAttention", e.Message);
        Assert.Contains("dropout probability", e.Message);
    }

    [Fact]
    public void Dropout_without_a_generator_is_rejected()
    {
        var (q, k, v, _, _, _) = AttentionTests.Find("plain").Inputs();
        var e = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, k, v, dropoutP: 0.1f));
        Assert.Contains("needs a generator", e.Message);
    }
}
