using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>
/// Dropout inside the composite layers: registered as child modules under timm's/torch's names, active only
/// in training, and (for attention) applied to the probabilities.
/// </summary>
public class DropoutWiringTests
{
    [Fact]
    public void Dropouts_are_child_modules_under_the_reference_names()
    {
        Assert.Equal(new[] { "", "fc1", "drop1", "fc2", "drop2" }, new Mlp(4, 8, drop: 0.1f).NamedModules().Select(m => m.Name));
        Assert.Equal(new[] { "", "qkv", "attn_drop", "proj", "proj_drop" }, new Attention(8, 2).NamedModules().Select(m => m.Name));
        Assert.Equal(new[] { "", "out_proj", "dropout" }, new MultiheadAttention(8, 2).NamedModules().Select(m => m.Name));
    }

    [Fact]
    public void Mlp_dropout_acts_in_training_and_eval_reaches_it()
    {
        var x = GradCheck.Rand(1, 3, 4);
        var plain = new Mlp(4, 8, drop: 0f, gen: new Generator(5));
        var dropped = new Mlp(4, 8, drop: 0.5f, gen: new Generator(5));
        var reference = plain.Forward(x).ToArray();
        Assert.NotEqual(reference, dropped.Forward(x).ToArray());
        dropped.Eval();
        Assert.Equal(reference, dropped.Forward(x).ToArray());
    }

    [Fact]
    public void Attention_dropout_of_one_in_training_leaves_only_the_projection_bias()
    {
        var x = GradCheck.Rand(2, 2, 3, 8);
        var attn = new Attention(8, 2, qkvBias: true, attnDrop: 1f);
        var bias = attn.Proj.Bias!.ToArray();
        var y = attn.Forward(x).ToArray();
        for (int i = 0; i < y.Length; i++) Assert.Equal(bias[i % 8], y[i], 6);
        attn.Eval();
        var reference = new Attention(8, 2, qkvBias: true);
        Assert.Equal(reference.Forward(x).ToArray(), attn.Forward(x).ToArray());
    }

    [Fact]
    public void Attention_probability_dropout_keeps_gradients_flowing()
    {
        var x = GradCheck.Rand(3, 2, 3, 8).RequireGrad();
        var attn = new Attention(8, 2, attnDrop: 0.3f);
        Ops.Sum(attn.Forward(x)).Backward();
        Assert.NotNull(x.Grad);
        Assert.All(attn.Parameters(), p => Assert.NotNull(p.Grad));
    }

    [Fact]
    public void Multihead_attention_dropout_of_one_in_training_leaves_only_the_output_bias()
    {
        var q = GradCheck.Rand(4, 3, 2, 8);
        var mha = new MultiheadAttention(8, 2, dropout: 1f);
        Init.Normal(mha.OutProj.Bias!, 0, 1, new Generator(9));
        var bias = mha.OutProj.Bias!.ToArray();
        var y = mha.Forward(q, q, q).ToArray();
        for (int i = 0; i < y.Length; i++) Assert.Equal(bias[i % 8], y[i], 6);
        mha.Eval();
        Assert.NotEqual(bias[0], mha.Forward(q, q, q).ToArray()[0]);
    }

    [Fact]
    public void Multihead_attention_is_causal_equals_a_boolean_upper_triangular_mask()
    {
        var q = GradCheck.Rand(5, 4, 2, 8);
        var mha = new MultiheadAttention(8, 2);
        var tri = new long[16];
        for (int i = 0; i < 4; i++)
            for (int j = i + 1; j < 4; j++) tri[i * 4 + j] = 1;
        var masked = mha.Forward(q, q, q, attnMask: Tensor.FromLongs(tri, 4, 4)).ToArray();
        GradCheck.Close(masked, mha.Forward(q, q, q, isCausal: true).ToArray(), 1e-5, 1e-6, "causal");
    }

    [Fact]
    public void Random_state_covers_each_generator_once_and_restoring_it_repeats_the_masks()
    {
        // Attention's two dropouts share one generator; the Mlp has another.
        var shared = new Generator(1);
        var attn = new Attention(8, 2, attnDrop: 0.3f, projDrop: 0.3f, gen: shared);
        var mlp = new Mlp(8, 16, drop: 0.3f, gen: new Generator(2));
        var x = GradCheck.Rand(6, 2, 5, 8);
        Assert.Equal(4, attn.RandomState().Length);
        Assert.Equal(4, mlp.RandomState().Length);
        var saved = attn.RandomState();
        var first = attn.Forward(x).ToArray();
        Assert.NotEqual(saved, attn.RandomState());
        Assert.NotEqual(first, attn.Forward(x).ToArray());
        attn.LoadRandomState(saved);
        Assert.Equal(first, attn.Forward(x).ToArray());
        attn.LoadRandomState(Array.Empty<ulong>());
        var e = Assert.Throws<ArgumentException>(() => attn.LoadRandomState(new ulong[8]));
        Assert.Contains("Attention", e.Message);
        Assert.Contains("8 words", e.Message);
        Assert.Contains("1 generators", e.Message);
        Assert.Empty(new Linear(4, 4).RandomState());
    }
}
