using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// <see cref="Ops.SelfAttention(Tensor, int, Tensor?, Tensor?, float, Generator?)"/> on packed projections against the
/// composition it replaces (head views of the projection into <see cref="Ops.ScaledDotProductAttention"/>, heads merged
/// again), Swin's per-window shift mask against the mask copied per image, and finite differences.
/// </summary>
public sealed class SelfAttentionTests
{
    /// <summary>The composition: [B, N, 3, H, d] views, fused attention, [B, N, H * d] again; the window mask expanded per image into the bias.</summary>
    private static Tensor Composed(Tensor qkv, int heads, Tensor? bias, Tensor? windowMask)
    {
        int b = qkv.Shape[0], n = qkv.Shape[1], d = qkv.Shape[2] / (3 * heads);
        var p = qkv.Reshape(b, n, 3, heads, d).Permute(2, 0, 3, 1, 4);
        var full = PerWindowBias(bias, windowMask, b, heads, n);
        var o = Ops.ScaledDotProductAttention(p.Select(0, 0), p.Select(0, 1), p.Select(0, 2), null, full);
        return o.Transpose(1, 2).Reshape(b, n, heads * d);
    }

    /// <summary>bias + mask of window b % nW for every batch item b, materialized [B, H, N, N] (the old Swin path).</summary>
    private static Tensor? PerWindowBias(Tensor? bias, Tensor? windowMask, int b, int heads, int n)
    {
        if (windowMask == null) return bias;
        int nW = windowMask.Shape[0];
        var sum = Ops.Add(bias ?? Tensor.Zeros(1, heads, n, n), windowMask.Unsqueeze(1));
        return sum.Expand(b / nW, nW, heads, n, n).Reshape(b, heads, n, n);
    }

    /// <summary>A Swin-like shift mask: 0 or -100 (timm's masked score), fixed by the seed.</summary>
    private static Tensor ShiftMask(int nW, int n, ulong seed)
    {
        var u = GradCheck.Rand(seed, nW, n, n).ToArray();
        for (int i = 0; i < u.Length; i++) u[i] = u[i] > 0.3f ? -100f : 0f;
        // Every query keeps itself, as in a real shift mask.
        for (int w = 0; w < nW; w++)
            for (int i = 0; i < n; i++) u[(w * n + i) * n + i] = 0f;
        return Tensor.FromArray(u, nW, n, n);
    }

    [Theory]
    [InlineData(2, 7, 3, 8, false, 0)]
    [InlineData(8, 49, 3, 32, true, 4)]
    [InlineData(6, 49, 2, 16, true, 2)]
    [InlineData(4, 16, 4, 6, false, 0)]
    [InlineData(3, 50, 5, 24, true, 0)]
    public void Packed_attention_equals_the_head_split_composition_in_output_and_every_gradient(int b, int n, int heads, int d, bool withBias, int windows)
    {
        var qkv = GradCheck.Rand(3, b, n, 3 * heads * d).RequireGrad();
        var bias = withBias ? GradCheck.Rand(4, 1, heads, n, n).RequireGrad() : null;
        var mask = windows > 0 ? ShiftMask(windows, n, 5) : null;
        var g = GradCheck.Rand(6, b, n, heads * d);

        var fused = Ops.SelfAttention(qkv, heads, bias, mask);
        Ops.Sum(Ops.Mul(fused, g)).Backward();
        var (dqkv, dbias) = (qkv.Grad!.ToArray(), bias?.Grad!.ToArray());
        qkv.Grad = null;
        if (bias != null) bias.Grad = null;

        var composed = Composed(qkv, heads, bias, mask);
        Ops.Sum(Ops.Mul(composed, g)).Backward();

        // Same kernel, same sums in the same order: the figures agree to the bit.
        Assert.Equal(composed.ToArray(), fused.ToArray());
        Assert.Equal(qkv.Grad!.ToArray(), dqkv);
        if (bias != null) GradCheck.Close(bias.Grad!.ToArray(), dbias!, 1e-5, 1e-6, "bias gradient");
    }

    [Fact]
    public void Queries_and_keys_packed_apart_from_values_equal_the_composition()
    {
        const int b = 3, n = 16, heads = 2, d = 6, dv = 5;
        var qk = GradCheck.Rand(7, b, n, 2 * heads * d).RequireGrad();
        var v = GradCheck.Rand(8, b, n, heads * dv).RequireGrad();
        var g = GradCheck.Rand(9, b, n, heads * dv);

        var fused = Ops.SelfAttention(qk, v, heads);
        Ops.Sum(Ops.Mul(fused, g)).Backward();
        var (dqk, dv1) = (qk.Grad!.ToArray(), v.Grad!.ToArray());
        qk.Grad = v.Grad = null;

        var p = qk.Reshape(b, n, 2, heads, d).Permute(2, 0, 3, 1, 4);
        var vh = v.Reshape(b, n, heads, dv).Permute(0, 2, 1, 3);
        var composed = Ops.ScaledDotProductAttention(p.Select(0, 0), p.Select(0, 1), vh).Transpose(1, 2).Reshape(b, n, heads * dv);
        Ops.Sum(Ops.Mul(composed, g)).Backward();

        Assert.Equal(composed.ToArray(), fused.ToArray());
        Assert.Equal(qk.Grad!.ToArray(), dqk);
        Assert.Equal(v.Grad!.ToArray(), dv1);
    }

    [Fact]
    public void Backward_with_bias_and_window_mask_matches_finite_differences()
    {
        const int heads = 2, n = 5;
        var qkv = GradCheck.Rand(10, 4, n, 3 * heads * 3);
        var bias = GradCheck.Rand(11, 1, heads, n, n);
        var mask = ShiftMask(2, n, 12);
        GradCheck.Check(x => Ops.SelfAttention(x[0], heads, x[1], mask), new[] { qkv, bias });
    }

    [Fact]
    public void Values_apart_match_finite_differences()
    {
        var qk = GradCheck.Rand(13, 2, 4, 2 * 2 * 3);
        var v = GradCheck.Rand(14, 2, 4, 2 * 2);
        GradCheck.Check(x => Ops.SelfAttention(x[0], x[1], 2), new[] { qk, v });
    }

    [Fact]
    public void Dropout_drops_the_same_probabilities_as_the_head_split_op()
    {
        const int b = 2, n = 9, heads = 3, d = 4;
        var qkv = GradCheck.Rand(15, b, n, 3 * heads * d);
        var fused = Ops.SelfAttention(qkv, heads, dropoutP: 0.3f, generator: new Generator(21));
        var p = qkv.Reshape(b, n, 3, heads, d).Permute(2, 0, 3, 1, 4);
        var split = Ops.ScaledDotProductAttention(p.Select(0, 0), p.Select(0, 1), p.Select(0, 2), dropoutP: 0.3f, generator: new Generator(21));
        Assert.Equal(split.Transpose(1, 2).Reshape(b, n, heads * d).ToArray(), fused.ToArray());
        Assert.NotEqual(Ops.SelfAttention(qkv, heads).ToArray(), fused.ToArray());
    }

    [Fact]
    public void Inference_records_no_node_and_training_does()
    {
        var qkv = GradCheck.Rand(16, 1, 4, 12).RequireGrad();
        using (GradMode.NoGrad()) Assert.False(Ops.SelfAttention(qkv, 2).RequiresGrad);
        Assert.True(Ops.SelfAttention(qkv, 2).RequiresGrad);
    }

    [Theory]
    [InlineData("heads")]
    [InlineData("rank")]
    [InlineData("values")]
    [InlineData("mask period")]
    [InlineData("mask size")]
    [InlineData("bias")]
    public void Bad_operands_are_refused_naming_the_operand_and_its_shape(string what)
    {
        var qkv = GradCheck.Rand(17, 4, 5, 12);
        var ex = Assert.Throws<ArgumentException>(() => what switch
        {
            "heads" => Ops.SelfAttention(qkv, 3),
            "rank" => Ops.SelfAttention(qkv.Reshape(4, 5, 12, 1), 2),
            "values" => Ops.SelfAttention(GradCheck.Rand(18, 4, 5, 8), GradCheck.Rand(19, 4, 6, 4), 2),
            "mask period" => Ops.SelfAttention(qkv, 2, windowMask: Tensor.Zeros(3, 5, 5)),
            "mask size" => Ops.SelfAttention(qkv, 2, windowMask: Tensor.Zeros(2, 4, 5)),
            _ => Ops.SelfAttention(qkv, 2, bias: Tensor.Zeros(1, 3, 5, 5)),
        });
        Assert.Contains("SelfAttention", ex.Message);
        Assert.Matches(@"\[\d+(, \d+)*\]", ex.Message);
    }
}
