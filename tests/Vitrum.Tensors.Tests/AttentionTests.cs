using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>One attention problem: shapes, mask and bias kinds; <see cref="Inputs"/> builds it deterministically.</summary>
public sealed record AttentionCase(string Name, int B, int H, int Nq, int Nk, int D, int Dv,
    bool Causal = false, int[]? MaskShape = null, int[]? BiasShape = null, bool FloatMask = false, bool MaskedRows = false,
    bool KeyPadding = false, bool StridedQkv = false)
{
    /// <summary>
    /// q, k, v, mask, bias and the leaves gradients reach (q, k, v and bias, or for strided views the
    /// one projection they are cut from, and bias); leaves require grad when <paramref name="requireGrad"/>.
    /// </summary>
    public (Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? bias, Tensor[] leaves) Inputs(bool requireGrad = false, ulong seed = 11)
    {
        Tensor q, k, v;
        var leaves = new List<Tensor>();
        if (StridedQkv)
        {
            // As a ViT block makes them: one [B, N, 3, H, d] projection permuted into three views.
            var qkv = GradCheck.Rand(seed, B, Nq, 3, H, D);
            leaves.Add(qkv);
            var p = (requireGrad ? qkv.RequireGrad() : qkv).Permute(2, 0, 3, 1, 4);
            (q, k, v) = (p.Select(0, 0), p.Select(0, 1), p.Select(0, 2));
        }
        else
        {
            q = Scaled(GradCheck.Rand(seed, B, H, Nq, D), 2f);
            k = Scaled(GradCheck.Rand(seed + 1, B, H, Nk, D), 2f);
            v = GradCheck.Rand(seed + 2, B, H, Nk, Dv);
            leaves.AddRange(new[] { q, k, v });
        }
        var bias = BiasShape == null ? null : GradCheck.Rand(seed + 3, BiasShape);
        if (bias != null) leaves.Add(bias);
        if (requireGrad)
            foreach (var t in leaves) t.RequiresGrad = true;
        return (q, k, v, MakeMask(seed + 4), bias, leaves.ToArray());
    }

    private static Tensor Scaled(Tensor t, float a)
    {
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] *= a;
        return t;
    }

    private Tensor? MakeMask(ulong seed)
    {
        if (KeyPadding)
        {
            // Batch item b keeps its first Nk - b keys, and the last item keeps none.
            var m = new long[B * Nk];
            for (int b = 0; b < B; b++)
                for (int j = 0; j < Nk; j++) m[b * Nk + j] = b < B - 1 && j < Nk - b ? 1 : 0;
            return Tensor.FromLongs(m, B, 1, 1, Nk);
        }
        if (MaskShape == null) return null;
        var u = Tensor.Rand(new Generator(seed), MaskShape).ToArray();
        int cols = MaskShape[^1];
        var bits = new float[u.Length];
        for (int i = 0; i < u.Length; i++) bits[i] = u[i] < 0.7f ? 1f : 0f;
        // Every third row fully masked where asked, so the zero-output rule is exercised.
        if (MaskedRows)
            for (int r = 0; r < u.Length / cols; r += 3) Array.Clear(bits, r * cols, cols);
        return FloatMask ? Tensor.FromArray(bits, MaskShape) : Tensor.FromLongs(bits.Select(x => (long)x).ToArray(), MaskShape);
    }

    public override string ToString() => Name;
}

public class AttentionTests
{
    public static readonly AttentionCase[] All =
    {
        new("plain", 2, 3, 5, 5, 8, 8),
        new("queries_differ_from_keys", 2, 2, 7, 11, 8, 8),
        new("value_dim_differs", 1, 2, 9, 9, 16, 24),
        new("head_dim_not_vector_multiple", 1, 2, 13, 10, 5, 3),
        new("blocks_with_tails", 1, 1, 50, 300, 16, 20),
        new("single_token", 2, 2, 1, 1, 4, 4),
        new("causal_square", 1, 2, 60, 60, 8, 8, Causal: true),
        new("causal_more_keys", 1, 1, 20, 70, 8, 8, Causal: true),
        new("causal_more_queries", 1, 1, 30, 10, 8, 8, Causal: true),
        new("key_padding_with_empty_item", 3, 2, 6, 9, 8, 8, KeyPadding: true),
        new("key_padding_and_causal", 3, 2, 6, 9, 8, 8, Causal: true, KeyPadding: true),
        new("mask_full_with_masked_rows", 2, 2, 7, 9, 8, 8, MaskShape: new[] { 2, 2, 7, 9 }, MaskedRows: true),
        new("float_mask_2d_with_masked_rows", 2, 2, 7, 9, 8, 8, MaskShape: new[] { 7, 9 }, FloatMask: true, MaskedRows: true),
        new("mask_broadcast_over_keys", 2, 2, 7, 9, 8, 8, MaskShape: new[] { 2, 1, 7, 1 }, MaskedRows: true),
        new("relative_position_bias", 2, 3, 10, 10, 8, 8, BiasShape: new[] { 1, 3, 10, 10 }),
        new("window_shift_bias", 4, 2, 9, 9, 8, 8, BiasShape: new[] { 4, 1, 9, 9 }),
        new("full_bias", 2, 2, 6, 7, 8, 8, BiasShape: new[] { 2, 2, 6, 7 }),
        new("bias_over_keys_only", 2, 2, 6, 7, 8, 8, BiasShape: new[] { 7 }),
        new("bias_per_query_row", 2, 2, 6, 7, 8, 8, BiasShape: new[] { 2, 2, 6, 1 }),
        new("bias_mask_causal_long", 2, 2, 70, 270, 16, 16, Causal: true, MaskShape: new[] { 2, 1, 1, 270 }, BiasShape: new[] { 1, 2, 70, 270 }),
        new("strided_qkv_views", 2, 3, 17, 17, 8, 8, StridedQkv: true, BiasShape: new[] { 1, 3, 17, 17 }),
        // Head dims around the vector width: one partial vector in 8-row tall tiles (8), whole tall
        // tiles (16), a partial second vector (24), a partial third (40), four whole and a partial fifth (72),
        // five whole (80), and a partial one next to a different head dim (12).
        new("head_dim_8_tall_masked_tiles", 4, 4, 49, 49, 8, 8),
        new("head_dim_16_tall_tiles", 2, 4, 49, 49, 16, 16, MaskShape: new[] { 2, 1, 1, 49 }),
        new("head_dim_24_partial_vector", 2, 3, 37, 41, 24, 24, MaskShape: new[] { 2, 1, 1, 41 }, BiasShape: new[] { 1, 3, 37, 41 }),
        new("head_dim_40_value_dim_72", 1, 2, 23, 30, 40, 72, BiasShape: new[] { 1, 2, 23, 30 }),
        new("head_dim_80_value_dim_12_causal", 1, 2, 30, 23, 80, 12, Causal: true),
        // 64 heads: two per task on two threads, with a bias shared over heads (per-task bias-gradient slots).
        new("many_small_heads_grouped", 16, 4, 9, 9, 16, 16, BiasShape: new[] { 16, 1, 9, 9 }),
        // One head of 5 query blocks: the forward splits them over tasks that each pack K^T.
        new("one_head_query_blocks_split", 1, 1, 200, 180, 24, 24, Causal: true, BiasShape: new[] { 200, 180 }),
    };

    public static TheoryData<string> CaseNames() => new(All.Select(c => c.Name));

    internal static AttentionCase Find(string name) => All.Single(c => c.Name == name);

    /// <summary>Runs one path with gradients on for q, k, v and the bias; returns the output and every gradient.</summary>
    internal static (float[] output, float[][] grads) RunWithGrads(AttentionCase c, bool fused)
    {
        var (q, k, v, mask, bias, leaves) = c.Inputs(requireGrad: true);
        var o = fused
            ? Ops.ScaledDotProductAttention(q, k, v, mask, bias, isCausal: c.Causal)
            : Ops.AttentionUnfused(q, k, v, mask, bias, null, c.Causal, out _);
        o.Backward(Tensor.Randn(new Generator(99), o.Shape));
        return (o.ToArray(), leaves.Select(t => t.Grad!.ToArray()).ToArray());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Fused_attention_matches_the_composed_ops_in_output_and_every_gradient(string name)
    {
        var c = Find(name);
        var (fo, fg) = RunWithGrads(c, fused: true);
        var (uo, ug) = RunWithGrads(c, fused: false);
        Assert.DoesNotContain(fo, float.IsNaN);
        GradCheck.Close(uo, fo, 1e-5, 1e-5, $"{name} output");
        Assert.Equal(ug.Length, fg.Length);
        for (int i = 0; i < fg.Length; i++)
        {
            Assert.DoesNotContain(fg[i], float.IsNaN);
            GradCheck.Close(ug[i], fg[i], 1e-5, 1e-5, $"{name} gradient {i}");
        }
    }

    [Fact]
    public void Rows_with_every_key_masked_give_zero_output_and_zero_query_gradient()
    {
        var c = Find("key_padding_with_empty_item");
        var (q, k, v, mask, _, _) = c.Inputs();
        q.RequireGrad();
        k.RequireGrad();
        var o = Ops.ScaledDotProductAttention(q, k, v, mask);
        o.Backward(Tensor.Ones(o.Shape));
        // The last batch item keeps no key at all.
        var emptyOut = o.Select(0, c.B - 1).ToArray();
        Assert.All(emptyOut, x => Assert.Equal(0f, x));
        Assert.All(q.Grad!.Select(0, c.B - 1).ToArray(), x => Assert.Equal(0f, x));
        Assert.All(k.Grad!.Select(0, c.B - 1).ToArray(), x => Assert.Equal(0f, x));
        Assert.Contains(o.Select(0, 0).ToArray(), x => x != 0f);

        Ops.AttentionUnfused(q, k, v, mask, null, null, false, out var probs);
        Assert.All(probs.Select(0, c.B - 1).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Unfused_probabilities_are_rows_summing_to_one_that_respect_causality()
    {
        var c = Find("causal_more_keys");
        var (q, k, v, _, _, _) = c.Inputs();
        Ops.AttentionUnfused(q, k, v, null, null, 0.5, true, out var probs);
        Assert.Equal(new[] { c.B, c.H, c.Nq, c.Nk }, probs.Shape);
        var p = probs.ToArray();
        for (int i = 0; i < c.Nq; i++)
        {
            var row = p.AsSpan(i * c.Nk, c.Nk);
            Assert.Equal(1.0, row.ToArray().Sum(x => (double)x), 5);
            for (int j = i + 1; j < c.Nk; j++) Assert.Equal(0f, row[j]);
        }
    }

    [Fact]
    public void Explicit_scale_is_applied_to_the_scores()
    {
        var (q, k, v, _, _, _) = Find("plain").Inputs();
        var fused = Ops.ScaledDotProductAttention(q, k, v, scale: 0.05);
        var composed = Ops.AttentionUnfused(q, k, v, null, null, 0.05, false, out _);
        var defaultScale = Ops.ScaledDotProductAttention(q, k, v);
        GradCheck.Close(composed.ToArray(), fused.ToArray(), 1e-5, 1e-6, "scale 0.05");
        Assert.Contains(fused.ToArray().Zip(defaultScale.ToArray()), p => Math.Abs(p.First - p.Second) > 1e-3);
    }

    [Fact]
    public void Inference_without_grad_records_no_node()
    {
        var (q, k, v, _, _, _) = Find("plain").Inputs();
        q.RequireGrad();
        using (GradMode.NoGrad())
            Assert.False(Ops.ScaledDotProductAttention(q, k, v).RequiresGrad);
        Assert.True(Ops.ScaledDotProductAttention(q, k, v).RequiresGrad);
    }

    [Fact]
    public void Fused_backward_matches_finite_differences()
    {
        var (q, k, v, _, _, _) = new AttentionCase("fd", 1, 2, 3, 4, 3, 2).Inputs();
        GradCheck.Check(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2]), new[] { q, k, v });
    }

    [Fact]
    public void Fused_backward_with_mask_bias_and_causality_matches_finite_differences()
    {
        var c = new AttentionCase("fd_masked", 2, 2, 4, 5, 3, 3, Causal: true, MaskShape: new[] { 2, 1, 1, 5 }, BiasShape: new[] { 1, 2, 4, 5 });
        var (q, k, v, mask, bias, _) = c.Inputs();
        GradCheck.Check(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2], mask, x[3], isCausal: true), new[] { q, k, v, bias! });
    }

    [Fact]
    public void Fused_backward_with_a_partial_vector_head_dim_matches_finite_differences()
    {
        // d = 24 and dv = 20: the last column vector of every block product is masked.
        var c = new AttentionCase("fd_d24", 1, 2, 5, 6, 24, 20, MaskShape: new[] { 1, 1, 1, 6 }, BiasShape: new[] { 1, 2, 5, 6 });
        var (q, k, v, mask, bias, _) = c.Inputs();
        GradCheck.Check(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2], mask, x[3]), new[] { q, k, v, bias! });
    }

    [Fact]
    public void Fused_backward_in_tall_tiles_matches_finite_differences()
    {
        // 9 keys and queries: the dK, dV and dQ products (one vector of 16 columns) run an 8-row tall tile and a 1-row tile.
        var (q, k, v, _, _, _) = new AttentionCase("fd_d16", 1, 1, 9, 9, 16, 16).Inputs();
        GradCheck.Check(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true), new[] { q, k, v });
    }

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(6, 5, 2)]
    [InlineData(48, 5, 2)]
    [InlineData(512, 2, 2)]
    [InlineData(3, 17, 4)]
    [InlineData(100, 3, 1)]
    public void Schedule_covers_every_head_and_query_block_exactly_once(int heads, int blocks, int threads)
    {
        foreach (bool split in new[] { true, false })
        {
            var schedule = new Kernels.FlashSchedule(heads, blocks, threads, split);
            var seen = new int[heads, blocks];
            for (int t = 0; t < schedule.Tasks; t++)
            {
                schedule.Task(t, out int first, out int end, out int firstBlock);
                for (int h = first; h < end; h++)
                    for (int bl = firstBlock; bl < Math.Min(blocks, firstBlock + schedule.BlocksPerTask); bl++) seen[h, bl]++;
            }
            foreach (int count in seen) Assert.Equal(1, count);
            if (!split) Assert.Equal(blocks, schedule.BlocksPerTask);
        }
    }

    [Fact]
    public void Fused_backward_with_shared_bias_over_batch_matches_finite_differences()
    {
        var c = new AttentionCase("fd_shift", 3, 2, 4, 4, 2, 3, BiasShape: new[] { 3, 1, 4, 4 });
        var (q, k, v, _, bias, _) = c.Inputs();
        GradCheck.Check(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2], null, x[3], scale: 0.7), new[] { q, k, v, bias! });
    }

    [Theory]
    [InlineData("batch")]
    [InlineData("heads")]
    [InlineData("head dim")]
    [InlineData("value keys")]
    [InlineData("value batch")]
    [InlineData("rank")]
    public void Mismatched_operands_raise_argument_exception_naming_op_and_shapes(string what)
    {
        var q = Tensor.Zeros(2, 3, 4, 8);
        var k = Tensor.Zeros(2, 3, 5, 8);
        var v = Tensor.Zeros(2, 3, 5, 6);
        switch (what)
        {
            case "batch": k = Tensor.Zeros(1, 3, 5, 8); break;
            case "heads": k = Tensor.Zeros(2, 4, 5, 8); break;
            case "head dim": k = Tensor.Zeros(2, 3, 5, 7); break;
            case "value keys": v = Tensor.Zeros(2, 3, 6, 6); break;
            case "value batch": v = Tensor.Zeros(3, 3, 5, 6); break;
            case "rank": q = Tensor.Zeros(3, 4, 8); break;
        }
        var ex = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, k, v));
        Assert.Contains("ScaledDotProductAttention", ex.Message);
        Assert.Contains(ShapeUtil.Format(q.Shape), ex.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => Ops.AttentionUnfused(q, k, v, null, null, null, false, out _));
        Assert.Contains("AttentionUnfused", ex2.Message);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4, 4 })]
    [InlineData(new[] { 4 })]
    [InlineData(new[] { 1, 1, 1, 1, 5 })]
    [InlineData(new[] { 2, 2, 1, 5 })]
    public void Mask_and_bias_that_do_not_broadcast_to_the_scores_are_rejected(int[] shape)
    {
        var q = Tensor.Zeros(2, 3, 4, 8);
        var k = Tensor.Zeros(2, 3, 5, 8);
        var v = Tensor.Zeros(2, 3, 5, 8);
        var ex = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, k, v, mask: Tensor.LongZeros(shape)));
        Assert.Contains("ScaledDotProductAttention: mask", ex.Message);
        Assert.Contains(ShapeUtil.Format(shape), ex.Message);
        Assert.Contains("[2, 3, 4, 5]", ex.Message);
        var exb = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, k, v, bias: Tensor.Zeros(shape)));
        Assert.Contains("bias", exb.Message);
        Assert.Contains(ShapeUtil.Format(shape), exb.Message);
    }

    [Fact]
    public void Wrong_dtypes_are_rejected_naming_the_operand()
    {
        var q = Tensor.Zeros(1, 1, 2, 4);
        var ex = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(Tensor.LongZeros(1, 1, 2, 4), q, q));
        Assert.Contains("ScaledDotProductAttention: query must be Float32, got Int64 of shape [1, 1, 2, 4]", ex.Message);
        var exb = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, q, q, bias: Tensor.LongZeros(2, 2)));
        Assert.Contains("bias must be Float32", exb.Message);
    }

    [Fact]
    public void A_float_mask_that_is_not_zero_or_one_is_rejected_as_an_additive_mask()
    {
        var q = Tensor.Zeros(1, 1, 2, 4);
        var additive = Tensor.FromArray(new[] { 0f, float.NegativeInfinity, 0f, 0f }, 2, 2);
        var ex = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, q, q, mask: additive));
        Assert.Contains("ScaledDotProductAttention", ex.Message);
        Assert.Contains("bias", ex.Message);
        Assert.Throws<ArgumentException>(() => Ops.AttentionUnfused(q, q, q, additive, null, null, false, out _));
    }
}
