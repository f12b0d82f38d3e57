using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>ConvBnFusion as torch's fuse_conv_bn_weights: conv(x, w') + b' equals bn(conv(x)) with running statistics.</summary>
public class ConvBnFusionTests
{
    private static double MaxRelative(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        double scale = e.Max(v => Math.Abs(v)), diff = e.Zip(a, (p, q) => Math.Abs(p - q)).Max();
        return diff / scale;
    }

    private static T WithStats<T>(T norm, ulong seed) where T : IBatchNormStats
    {
        var gen = new Generator(seed);
        Init.Uniform(norm.Weight, 0.5, 1.5, gen);
        Init.Uniform(norm.Bias, -0.5, 0.5, gen);
        Init.Uniform(norm.RunningMean, -0.5, 0.5, gen);
        Init.Uniform(norm.RunningVar, 0.2, 2, gen);
        return norm;
    }

    public static TheoryData<bool, bool, int, int> Cases() => new()
    {
        { false, false, 1, 1 },
        { true, false, 1, 1 },
        { false, true, 2, 1 },
        { true, true, 1, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_convolution_equals_convolution_then_norm_with_running_statistics(bool convBias, bool frozen, int groups, int dilation)
    {
        var conv = new Conv2d(4, 6, 3, stride: 2, padding: dilation, dilation: dilation, groups: groups, bias: convBias, gen: new Generator(1));
        Module<Tensor, Tensor> norm = frozen ? WithStats(new FrozenBatchNorm2d(6), 2) : WithStats(new BatchNorm2d(6), 2);
        norm.Eval();
        var x = Tensor.Randn(new Generator(3), 2, 4, 9, 7);
        var (w, b) = ConvBnFusion.Fuse(conv, (IBatchNormStats)norm);
        var fused = Ops.Conv2d(x, w, b, conv.Stride, conv.Padding, conv.Dilation, conv.Groups);
        Assert.True(MaxRelative(norm.Forward(conv.Forward(x)), fused) < 1e-6);
    }

    [Fact]
    public void Gradients_through_the_fused_weights_equal_those_through_the_eval_norm()
    {
        var conv = new Conv2d(3, 5, 3, padding: 1, bias: false, gen: new Generator(4));
        var bn = WithStats(new BatchNorm2d(5), 5);
        bn.Eval();
        var x = Tensor.Randn(new Generator(6), 2, 3, 6, 6);
        var gy = Tensor.Randn(new Generator(7), 2, 5, 6, 6);
        Tensor[] Grads(Func<Tensor> forward)
        {
            foreach (var p in conv.Parameters().Concat(bn.Parameters())) p.ZeroGrad();
            Ops.Sum(Ops.Mul(forward(), gy)).Backward();
            return new[] { conv.Weight.Grad!.Clone(), bn.Weight.Grad!.Clone(), bn.Bias.Grad!.Clone() };
        }
        var unfused = Grads(() => bn.Forward(conv.Forward(x)));
        var fused = Grads(() =>
        {
            var (w, b) = ConvBnFusion.Fuse(conv, bn);
            return Ops.Conv2d(x, w, b, padding: 1);
        });
        for (int i = 0; i < 3; i++) Assert.True(MaxRelative(unfused[i], fused[i]) < 1e-5, $"gradient {i}");
    }

    [Fact]
    public void A_norm_of_another_width_is_refused_naming_both_shapes()
    {
        var conv = new Conv2d(3, 5, 1, bias: false);
        var e = Assert.Throws<ArgumentException>(() => ConvBnFusion.Fuse(conv, new BatchNorm2d(4)));
        Assert.Contains("running_mean [4] does not match the 5 output channels of the convolution weight [5, 3, 1, 1]", e.Message);
    }
}
