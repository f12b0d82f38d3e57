using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class ActivationTests
{
    /// <summary>Values in (-3, 3), at least 0.05 from 0 (relu's kink).</summary>
    private static Tensor Inputs(ulong seed, params int[] shape)
    {
        var t = GradCheck.Rand(seed, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = 3 * s[i] + (s[i] < 0 ? -0.05f : 0.05f);
        return t;
    }

    [Fact]
    public void Activation_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Relu(x[0]), new[] { Inputs(1, 3, 17) });
        GradCheck.Check(x => Ops.Tanh(x[0]), new[] { Inputs(2, 3, 17) });
        GradCheck.Check(x => Ops.Sigmoid(x[0]), new[] { Inputs(3, 3, 17) });
        GradCheck.Check(x => Ops.Silu(x[0]), new[] { Inputs(4, 3, 17) });
        GradCheck.Check(x => Ops.Gelu(x[0]), new[] { Inputs(5, 3, 17) });
        GradCheck.Check(x => Ops.Gelu(x[0], GeluApproximation.Tanh), new[] { Inputs(6, 3, 17) });
    }

    [Fact]
    public void Activations_of_strided_views_equal_those_of_contiguous_copies()
    {
        var x = Inputs(7, 5, 19).T;
        var c = x.Contiguous();
        Assert.Equal(Ops.Gelu(c).ToArray(), Ops.Gelu(x).ToArray());
        Assert.Equal(Ops.Silu(c).ToArray(), Ops.Silu(x).ToArray());
        Assert.Equal(Ops.Relu(c).ToArray(), Ops.Relu(x).ToArray());
    }

    [Fact]
    public void Relu_silu_and_tanh_gelu_limits_match_pytorch()
    {
        var x = Tensor.FromArray(new[] { -1e30f, 1e30f, float.NaN, -100f, 100f, 0f });
        var relu = Ops.Relu(x).ToArray();
        Assert.Equal(new[] { 0f, 1e30f }, relu.Take(2).ToArray());
        Assert.True(float.IsNaN(relu[2]), "relu(NaN) stays NaN");
        var silu = Ops.Silu(x).ToArray();
        Assert.Equal(new[] { 0f, 1e30f, float.NaN, 0f, 100f, 0f }, silu);
        var tanhGelu = Ops.Gelu(x, GeluApproximation.Tanh).ToArray();
        Assert.Equal(new[] { 0f, 1e30f, float.NaN, 0f, 100f, 0f }, tanhGelu);
    }

    [Fact]
    public void Dropout_zeroes_about_p_of_the_elements_and_scales_the_rest()
    {
        var x = Tensor.Ones(200, 500);
        var y = Ops.Dropout(x, 0.3f, training: true, new Generator(42)).ToArray();
        int dropped = y.Count(v => v == 0f);
        Assert.InRange(dropped / (double)y.Length, 0.29, 0.31);
        Assert.All(y.Where(v => v != 0f), v => Assert.Equal(1f / 0.7f, v));
    }

    [Fact]
    public void Dropout_backward_applies_the_forward_mask()
    {
        var x = GradCheck.Rand(8, 6, 33).RequireGrad();
        var y = Ops.Dropout(x, 0.5f, training: true, new Generator(3));
        var g = GradCheck.Rand(9, 6, 33);
        y.Backward(g);
        var xs = x.ToArray();
        var ys = y.ToArray();
        var gs = g.ToArray();
        var dx = x.Grad!.ToArray();
        for (int i = 0; i < xs.Length; i++)
            Assert.Equal(ys[i] == 0f ? 0f : gs[i] * 2f, dx[i]);
        Assert.Contains(0f, ys);
    }

    [Fact]
    public void Dropout_mask_depends_only_on_the_seed_and_the_element_index()
    {
        // 37 elements are two 16-wide vector steps and a 5-element scalar tail; in 1000 they are all vector lanes.
        var shortMask = Ops.Dropout(Tensor.Ones(37), 0.5f, true, new Generator(11)).ToArray();
        var longMask = Ops.Dropout(Tensor.Ones(1000), 0.5f, true, new Generator(11)).ToArray();
        Assert.Equal(shortMask, longMask.Take(37).ToArray());
        Assert.Contains(0f, shortMask.Skip(32));
        Assert.Contains(2f, shortMask.Skip(32));
    }

    [Fact]
    public void Dropout_draws_the_same_mask_from_the_same_seed()
    {
        var x = Tensor.Ones(1001);
        Assert.Equal(Ops.Dropout(x, 0.4f, true, new Generator(5)).ToArray(), Ops.Dropout(x, 0.4f, true, new Generator(5)).ToArray());
        Assert.NotEqual(Ops.Dropout(x, 0.4f, true, new Generator(5)).ToArray(), Ops.Dropout(x, 0.4f, true, new Generator(6)).ToArray());
    }

    [Fact]
    public void Dropout_is_identity_when_not_training_or_p_zero_and_zero_when_p_one()
    {
        var x = GradCheck.Rand(10, 4, 5);
        Assert.Same(x, Ops.Dropout(x, 0.5f, training: false, new Generator(1)));
        Assert.Same(x, Ops.Dropout(x, 0f, training: true, new Generator(1)));
        var z = x.RequireGrad();
        var y = Ops.Dropout(z, 1f, training: true, new Generator(1));
        Assert.All(y.ToArray(), v => Assert.Equal(0f, v));
        Ops.Sum(y).Backward();
        Assert.All(z.Grad!.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Bad_inputs_raise_argument_exceptions_naming_op_and_shapes()
    {
        var p = Assert.Throws<ArgumentException>(() => Ops.Dropout(Tensor.Zeros(2, 3), 1.5f, true, new Generator(1)));
        Assert.Contains("Dropout", p.Message);
        Assert.Contains("1.5", p.Message);
        Assert.Contains("[2, 3]", p.Message);
        Assert.Throws<ArgumentException>(() => Ops.Dropout(Tensor.Zeros(2), -0.1f, true, new Generator(1)));
        Assert.Throws<ArgumentException>(() => Ops.Dropout(Tensor.Zeros(2), float.NaN, true, new Generator(1)));
        var gelu = Assert.Throws<ArgumentException>(() => Ops.Gelu(Tensor.LongZeros(2, 2)));
        Assert.Contains("Gelu", gelu.Message);
        Assert.Contains("Int64", gelu.Message);
        var approx = Assert.Throws<ArgumentException>(() => Ops.Gelu(Tensor.Zeros(2), (GeluApproximation)7));
        Assert.Contains("Gelu", approx.Message);
        var tanh = Assert.Throws<ArgumentException>(() => Ops.Tanh(Tensor.LongZeros(3)));
        Assert.Contains("Tanh", tanh.Message);
    }
}
