using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Ops.Conv2dAddRelu: relu(conv + bias + residual) fused into the convolution's passes equals the three ops.</summary>
public class ConvEpilogueTests
{
    private static float[] Composed(Tensor x, Tensor w, Tensor? b, Tensor? r, bool relu, int stride, int padding, int groups)
    {
        var y = Ops.Conv2d(x, w, b, stride, padding, 1, groups);
        if (r != null) y = Ops.Add(y, r);
        return (relu ? Ops.Relu(y) : y).ToArray();
    }

    /// <summary>Each convolution path (pointwise in several relu chunks, im2col in several bands, patches, depthwise) and a batch of small units.</summary>
    public static TheoryData<string, int[], int[], int, int, int> Paths() => new()
    {
        { nameof(ConvPath.Pointwise), new[] { 1, 3, 190, 190 }, new[] { 4, 3, 1, 1 }, 1, 0, 1 },
        { nameof(ConvPath.Columns), new[] { 1, 8, 130, 130 }, new[] { 6, 8, 3, 3 }, 1, 1, 1 },
        { nameof(ConvPath.Columns), new[] { 2, 4, 9, 11 }, new[] { 8, 2, 3, 3 }, 2, 1, 2 },
        { nameof(ConvPath.Patches), new[] { 2, 3, 12, 12 }, new[] { 5, 3, 2, 2 }, 2, 0, 1 },
        { nameof(ConvPath.Depthwise), new[] { 2, 6, 10, 9 }, new[] { 6, 1, 3, 3 }, 1, 1, 6 },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Without_a_tape_it_equals_conv_add_relu_on_every_path(string path, int[] xShape, int[] wShape, int stride, int padding, int groups)
    {
        var x = GradCheck.Rand(1, xShape);
        var w = GradCheck.Rand(2, wShape);
        var b = GradCheck.Rand(3, wShape[0]);
        var g = Window2d.Create("Conv2d", xShape, xShape[1], xShape[2], xShape[3], (wShape[2], wShape[3]), stride, padding, 1);
        Assert.Equal(path, new Conv2dPlan(g, wShape[0], groups).Path.ToString());
        var r = GradCheck.Rand(4, xShape[0], wShape[0], g.Oh, g.Ow);
        using var _ = GradMode.NoGrad();
        foreach (var (bias, residual, relu) in new[] { (b, r, true), (null, r, true), (b, null, true), ((Tensor?)null, (Tensor?)null, false), (b, r, false) })
        {
            var fused = Ops.Conv2dAddRelu(x, w, bias, residual, relu, stride, padding, groups: groups);
            Assert.Null(fused.GradFn);
            GradCheck.Close(Composed(x, w, bias, residual, relu, stride, padding, groups), fused.ToArray(), 1e-5, 1e-5,
                $"{path} bias {bias != null} residual {residual != null} relu {relu}");
        }
    }

    [Fact]
    public void With_a_tape_it_records_the_three_ops_and_their_gradients()
    {
        var x = GradCheck.Rand(5, 2, 3, 6, 6).RequireGrad();
        var w = GradCheck.Rand(6, 4, 3, 3, 3).RequireGrad();
        var r = GradCheck.Rand(7, 2, 4, 6, 6).RequireGrad();
        // Finite differences would straddle the relu's kink; the sum is checked by them, the relu by its node.
        GradCheck.Check(t => Ops.Conv2dAddRelu(t[0], t[1], null, t[2], false, padding: 1), new[] { x, w, r });
        Assert.Equal("Relu", Ops.Conv2dAddRelu(x, w, null, r, true, padding: 1).GradFn!.Op);
    }

    [Fact]
    public void A_residual_of_another_shape_is_refused_naming_both()
    {
        using var _ = GradMode.NoGrad();
        var e = Assert.Throws<ArgumentException>(() => Ops.Conv2dAddRelu(Tensor.Zeros(1, 2, 5, 5), Tensor.Zeros(3, 2, 3, 3), null, Tensor.Zeros(1, 3, 5, 5), true));
        Assert.Contains("residual [1, 3, 5, 5] must be the convolution's output [1, 3, 3, 3]", e.Message);
    }
}
