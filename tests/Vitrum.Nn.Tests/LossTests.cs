using Vitrum.Nn.Tests.Support;
using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>Losses against PyTorch/timm (tests/fixtures/nn/losses.json, tools/fixtures/gen_losses.py) and finite differences.</summary>
public class LossTests
{
    public static TheoryData<string> Cases() => new(NnFixtures.Cases("losses").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_matches_pytorch_forward_and_gradients_of_input_and_target(string name)
    {
        var c = NnFixtures.Get("losses", name);
        var reduction = c.HasArg("reduction") ? Enum.Parse<Reduction>(c.Arg("reduction").GetString()!, ignoreCase: true) : Reduction.Mean;
        float beta = c.HasArg("beta") ? (float)c.DoubleArg("beta") : 1f;
        Func<Tensor[], Tensor> f = c.Op switch
        {
            "soft_target_ce" => x => Losses.SoftTargetCrossEntropy(x[0], x[1]),
            "l1" => x => Losses.L1Loss(x[0], x[1], reduction),
            "smooth_l1" => x => Losses.SmoothL1Loss(x[0], x[1], beta, reduction),
            _ => throw new InvalidOperationException($"no loss for fixture op {c.Op}"),
        };
        Fixture.Check(c, f, rtol: 1e-5, atol: 1e-6);
    }

    /// <summary>An input and a target whose differences stay at least 0.1 away from 0 (L1's kink).</summary>
    private static (Tensor Input, Tensor Target) AwayFromKink(ulong seed, params int[] shape)
    {
        var input = GradCheck.Rand(seed, shape);
        var offset = GradCheck.Rand(seed + 1, shape).ToArray().Select(v => v >= 0 ? v + 0.1f : v - 0.1f).ToArray();
        var target = Tensor.FromArray(input.ToArray().Zip(offset, (a, o) => a + o).ToArray(), shape);
        return (input, target);
    }

    [Fact]
    public void Soft_target_cross_entropy_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Losses.SoftTargetCrossEntropy(x[0], x[1]), new[] { GradCheck.Rand(1, 2, 3, 5), GradCheck.Rand(2, 2, 3, 5) });
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void L1_loss_gradients_match_finite_differences(Reduction reduction)
    {
        var (input, target) = AwayFromKink(3, 4, 5);
        GradCheck.Check(x => Losses.L1Loss(x[0], x[1], reduction), new[] { input, target });
    }

    [Theory]
    [InlineData(1.0f, Reduction.Mean)]
    [InlineData(0.3f, Reduction.Sum)]
    [InlineData(0.0f, Reduction.None)]
    public void Smooth_l1_loss_gradients_match_finite_differences(float beta, Reduction reduction)
    {
        var (input, target) = AwayFromKink(5, 3, 6);
        GradCheck.Check(x => Losses.SmoothL1Loss(x[0], x[1], beta, reduction), new[] { input, target });
    }

    [Fact]
    public void Smooth_l1_loss_is_quadratic_below_beta_and_linear_above()
    {
        var input = Tensor.FromArray(new[] { 0.2f, -0.4f, 3f, -5f }, 4);
        var loss = Losses.SmoothL1Loss(input, Tensor.Zeros(4), beta: 0.5f, Reduction.None).ToArray();
        Assert.Equal(new[] { 0.04f, 0.16f, 2.75f, 4.75f }, loss.Select(v => MathF.Round(v, 5)).ToArray());
    }

    [Fact]
    public void Regression_losses_reject_shapes_that_do_not_broadcast()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.L1Loss(Tensor.Zeros(3, 4), Tensor.Zeros(3, 5)));
        Assert.Contains("L1Loss", e.Message);
        Assert.Contains("[3, 4] and [3, 5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Losses.SmoothL1Loss(Tensor.Zeros(2, 4), Tensor.Zeros(3, 4)));
        Assert.Contains("SmoothL1Loss", e.Message);
        Assert.Contains("[2, 4] and [3, 4]", e.Message);
    }

    [Fact]
    public void Regression_losses_reject_int64_targets_and_negative_beta()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.L1Loss(Tensor.Zeros(3), Tensor.LongZeros(3)));
        Assert.Contains("L1Loss: input and target must be Float32", e.Message);
        e = Assert.Throws<ArgumentException>(() => Losses.SmoothL1Loss(Tensor.Zeros(3), Tensor.Zeros(3), beta: -1f));
        Assert.Contains("SmoothL1Loss: beta must be non-negative, got -1", e.Message);
    }

    [Fact]
    public void Soft_target_cross_entropy_rejects_a_target_of_another_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.SoftTargetCrossEntropy(Tensor.Zeros(4, 5), Tensor.Zeros(4, 6)));
        Assert.Contains("SoftTargetCrossEntropy", e.Message);
        Assert.Contains("[4, 6]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        Assert.Throws<ArgumentException>(() => Losses.SoftTargetCrossEntropy(Tensor.Zeros(4, 5), Tensor.LongZeros(4)));
    }
}
