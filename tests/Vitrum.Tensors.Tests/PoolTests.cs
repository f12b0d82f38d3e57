using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class PoolTests
{
    /// <summary>A shuffled ramp with steps of 0.05: no two elements are within the finite-difference step, so argmaxes never flip.</summary>
    private static Tensor Distinct(ulong seed, params int[] shape)
    {
        int n = (int)ShapeUtil.Numel(shape);
        var order = Tensor.Rand(new Generator(seed), n).ToArray();
        var ranks = Enumerable.Range(0, n).OrderBy(i => order[i]).ToArray();
        var values = new float[n];
        for (int r = 0; r < n; r++) values[ranks[r]] = r * 0.05f - n * 0.025f;
        return Tensor.FromArray(values, shape);
    }

    [Fact]
    public void MaxPool2d_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.MaxPool2d(x[0], 2), new[] { Distinct(1, 2, 2, 4, 5) });
        GradCheck.Check(x => Ops.MaxPool2d(x[0], 3, 2, 1), new[] { Distinct(2, 1, 2, 7, 6) });
        GradCheck.Check(x => Ops.MaxPool2d(x[0], 3, 2, ceilMode: true), new[] { Distinct(3, 1, 1, 6, 8) });
        GradCheck.Check(x => Ops.MaxPool2d(x[0], (2, 3), (1, 2), (1, 1), dilation: 2), new[] { Distinct(4, 1, 2, 6, 7) });
        GradCheck.Check(x => Ops.MaxPool2d(x[0], 2, 1), new[] { Distinct(5, 2, 4, 4) });
    }

    [Fact]
    public void MaxPool2d_routes_the_gradient_to_the_first_of_tied_maxima()
    {
        var x = Tensor.FromArray(new float[] { 1, 3, 3, 3, 3, 1, 0, 3, 2 }, 1, 1, 3, 3).RequireGrad();
        var y = Ops.MaxPool2d(x, 2, 1);
        Assert.Equal(new float[] { 3, 3, 3, 3 }, y.ToArray());
        Ops.Sum(y).Backward();
        // The first 3 in row-major order of the windows at (0,0), (0,1), (1,0), (1,1) is at 1, 1, 3, 4.
        Assert.Equal(new float[] { 0, 2, 0, 1, 1, 0, 0, 0, 0 }, x.Grad!.ToArray());
    }

    [Fact]
    public void MaxPool2d_propagates_nan_and_ignores_padding()
    {
        var x = Tensor.FromArray(new float[] { -5, float.NaN, -7, -6 }, 1, 1, 2, 2);
        var y = Ops.MaxPool2d(x, 2, 1, 1).ToArray();
        Assert.Equal(9, y.Length);
        Assert.Equal(-5f, y[0]);
        Assert.True(float.IsNaN(y[1]) && float.IsNaN(y[4]), "a NaN in the window wins");
        Assert.Equal(-6f, y[8]);
    }

    /// <summary>Without a tape the argmax is not kept and rows are reduced first (<c>Pool2d.MaxPlaneValues</c>): the same values.</summary>
    [Theory]
    [InlineData(3, 2, 1, 1, false)]
    [InlineData(2, 2, 0, 1, false)]
    [InlineData(3, 2, 0, 1, true)]
    [InlineData(3, 1, 1, 2, false)]
    [InlineData(2, 3, 1, 1, true)]
    public void MaxPool2d_without_a_tape_gives_the_values_of_the_recorded_path(int kernel, int stride, int padding, int dilation, bool ceilMode)
    {
        var x = Tensor.Randn(new Generator(6), 2, 3, 11, 9);
        x.AsSpan()[17] = float.NaN;
        var recorded = Ops.MaxPool2d(x.Clone().RequireGrad(), kernel, stride, padding, dilation, ceilMode);
        Assert.NotNull(recorded.GradFn);
        using var _ = Autograd.GradMode.NoGrad();
        var values = Ops.MaxPool2d(x, kernel, stride, padding, dilation, ceilMode);
        Assert.Null(values.GradFn);
        Assert.Equal(recorded.ToArray(), values.ToArray());
    }

    [Fact]
    public void AvgPool2d_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.AvgPool2d(x[0], 2), new[] { GradCheck.Rand(10, 2, 2, 4, 5) });
        GradCheck.Check(x => Ops.AvgPool2d(x[0], 3, 2, 1), new[] { GradCheck.Rand(11, 1, 2, 7, 6) });
        GradCheck.Check(x => Ops.AvgPool2d(x[0], 3, 2, 1, countIncludePad: false), new[] { GradCheck.Rand(12, 1, 2, 7, 6) });
        GradCheck.Check(x => Ops.AvgPool2d(x[0], (3, 2), (2, 3), ceilMode: true), new[] { GradCheck.Rand(13, 1, 1, 6, 7) });
        GradCheck.Check(x => Ops.AvgPool2d(x[0], 2, divisorOverride: 3), new[] { GradCheck.Rand(14, 3, 4, 4) });
    }

    [Fact]
    public void AvgPool2d_divides_padded_windows_by_the_chosen_count()
    {
        var x = Tensor.Ones(1, 1, 2, 2);
        // 3x3 windows at stride 1 with padding 1 over a 2x2 plane: every window sees the 4 ones.
        Assert.Equal(new[] { 4f / 9, 4f / 9, 4f / 9, 4f / 9 }, Ops.AvgPool2d(x, 3, 1, 1).ToArray());
        Assert.Equal(new[] { 1f, 1f, 1f, 1f }, Ops.AvgPool2d(x, 3, 1, 1, countIncludePad: false).ToArray());
    }

    [Fact]
    public void AdaptiveAvgPool2d_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.AdaptiveAvgPool2d(x[0], (3, 2)), new[] { GradCheck.Rand(20, 2, 2, 7, 5) });
        GradCheck.Check(x => Ops.AdaptiveAvgPool2d(x[0], (4, 5)), new[] { GradCheck.Rand(21, 1, 2, 3, 3) });
        GradCheck.Check(x => Ops.AdaptiveAvgPool2d(x[0], 1), new[] { GradCheck.Rand(22, 3, 4, 5) });
    }

    [Fact]
    public void AdaptiveAvgPool2d_uses_overlapping_floor_ceil_bins()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, 1, 1, 1, 5);
        // Bins of 5 columns into 3: [0, 2), [1, 4), [3, 5).
        Assert.Equal(new[] { 1.5f, 3f, 4.5f }, Ops.AdaptiveAvgPool2d(x, (1, 3)).ToArray());
    }

    [Fact]
    public void Pools_reject_bad_inputs_naming_op_and_shapes()
    {
        ConvTests.AssertBad(() => Ops.MaxPool2d(Tensor.Zeros(1, 1, 5, 5), 3, padding: 2), "MaxPool2d", "padding (2, 2)", "[1, 1, 5, 5]");
        ConvTests.AssertBad(() => Ops.MaxPool2d(Tensor.Zeros(1, 1, 2, 2), 3), "MaxPool2d", "larger than the padded input", "[1, 1, 2, 2]");
        ConvTests.AssertBad(() => Ops.MaxPool2d(Tensor.Zeros(4, 4), 2), "MaxPool2d", "[4, 4]");
        ConvTests.AssertBad(() => Ops.MaxPool2d(Tensor.Zeros(1, 1, 4, 4), 2, stride: 0), "MaxPool2d", "stride (0, 0)");
        ConvTests.AssertBad(() => Ops.AvgPool2d(Tensor.Zeros(1, 1, 2, 5, 5), 2), "AvgPool2d", "[1, 1, 2, 5, 5]");
        ConvTests.AssertBad(() => Ops.AvgPool2d(Tensor.Zeros(1, 1, 4, 4), 2, divisorOverride: 0), "AvgPool2d", "divisor");
        ConvTests.AssertBad(() => Ops.AvgPool2d(Tensor.Zeros(1, 1, 4, 4), (2, 2), padding: (0, 2)), "AvgPool2d", "padding (0, 2)");
        ConvTests.AssertBad(() => Ops.AdaptiveAvgPool2d(Tensor.Zeros(1, 1, 4, 4), (0, 2)), "AdaptiveAvgPool2d", "(0, 2)", "[1, 1, 4, 4]");
        ConvTests.AssertBad(() => Ops.AdaptiveAvgPool2d(Tensor.Zeros(4), 2), "AdaptiveAvgPool2d", "[4]");
        ConvTests.AssertBad(() => Ops.MaxPool2d(Tensor.LongZeros(1, 1, 4, 4), 2), "MaxPool2d", "Int64");
    }
}
