using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class InterpolateTests
{
    public static TheoryData<string, int, int, bool> ResizeConfigs() => new()
    {
        { nameof(InterpolateMode.Bilinear), 5, 7, false },
        { nameof(InterpolateMode.Bilinear), 5, 7, true },
        { nameof(InterpolateMode.Bilinear), 2, 3, false },
        { nameof(InterpolateMode.Bilinear), 2, 3, true },
        { nameof(InterpolateMode.Bicubic), 6, 7, false },
        { nameof(InterpolateMode.Bicubic), 6, 7, true },
        { nameof(InterpolateMode.Bicubic), 2, 3, false },
        { nameof(InterpolateMode.Bicubic), 2, 3, true },
        { nameof(InterpolateMode.Nearest), 7, 6, false },
        { nameof(InterpolateMode.Nearest), 2, 3, false },
    };

    [Theory]
    [MemberData(nameof(ResizeConfigs))]
    public void Interpolate_gradients_match_finite_differences(string mode, int oh, int ow, bool alignCorners)
    {
        var m = Enum.Parse<InterpolateMode>(mode);
        GradCheck.Check(x => Ops.Interpolate(x[0], (oh, ow), m, alignCorners), new[] { GradCheck.Rand(1, 2, 2, 4, 5) });
    }

    [Theory]
    [InlineData(nameof(InterpolateMode.Bilinear), 1.5, false)]
    [InlineData(nameof(InterpolateMode.Bicubic), 0.6, false)]
    [InlineData(nameof(InterpolateMode.Nearest), 1.7, false)]
    [InlineData(nameof(InterpolateMode.Bilinear), 1.5, true)]
    public void Interpolate_by_scale_gradients_match_finite_differences(string mode, double scale, bool recompute)
    {
        var m = Enum.Parse<InterpolateMode>(mode);
        GradCheck.Check(x => Ops.InterpolateByScale(x[0], scale, m, recomputeScaleFactor: recompute), new[] { GradCheck.Rand(2, 1, 2, 5, 4) });
    }

    [Fact]
    public void Bicubic_gradient_at_an_unchanged_size_is_the_adjoint_of_its_non_identity_forward()
    {
        // Scale 1.1 keeps 5 pixels yet samples at 1/1.1 spacing; torch 1.13 returns the output gradient
        // unchanged here, which finite differences refute. Ours is the adjoint.
        var x = GradCheck.Rand(3, 1, 1, 5, 5);
        var y = Ops.InterpolateByScale(x, 1.1, InterpolateMode.Bicubic);
        Assert.Equal(x.Shape, y.Shape);
        Assert.NotEqual(x.ToArray(), y.ToArray());
        GradCheck.Check(t => Ops.InterpolateByScale(t[0], 1.1, InterpolateMode.Bicubic), new[] { x });
    }

    [Theory]
    [InlineData(nameof(InterpolateMode.Nearest), false)]
    [InlineData(nameof(InterpolateMode.Bilinear), false)]
    [InlineData(nameof(InterpolateMode.Bilinear), true)]
    [InlineData(nameof(InterpolateMode.Bicubic), false)]
    [InlineData(nameof(InterpolateMode.Bicubic), true)]
    public void Interpolate_to_the_input_size_is_the_identity(string mode, bool alignCorners)
    {
        var x = GradCheck.Rand(4, 1, 2, 4, 5);
        GradCheck.Close(x.ToArray(), Ops.Interpolate(x, (4, 5), Enum.Parse<InterpolateMode>(mode), alignCorners).ToArray(), 1e-6, 1e-6, mode);
    }

    [Fact]
    public void Bilinear_with_align_corners_keeps_the_corner_pixels_and_interpolates_between()
    {
        var x = Tensor.FromArray(new float[] { 0, 3, 6, 9 }, 1, 1, 2, 2);
        var y = Ops.Interpolate(x, (3, 3), InterpolateMode.Bilinear, alignCorners: true).ToArray();
        Assert.Equal(new float[] { 0, 1.5f, 3, 3, 4.5f, 6, 6, 7.5f, 9 }, y);
        // Without align_corners, source = (i + 0.5) * 2/3 - 0.5, clamped at 0: rows/cols sample at 0, 0.5, 1.1667 -> 1.
        var z = Ops.Interpolate(x, (3, 3), InterpolateMode.Bilinear).ToArray();
        GradCheck.Close(new float[] { 0, 1.5f, 3, 3, 4.5f, 6, 6, 7.5f, 9 }, z, 1e-6, 1e-5, "half-pixel bilinear");
    }

    [Fact]
    public void Interpolate_rejects_bad_inputs_naming_op_and_shapes()
    {
        ConvTests.AssertBad(() => Ops.Interpolate(Tensor.Zeros(2, 4, 4), (8, 8), InterpolateMode.Bilinear), "Interpolate", "[2, 4, 4]");
        ConvTests.AssertBad(() => Ops.Interpolate(Tensor.Zeros(1, 1, 4, 4), (8, 8), InterpolateMode.Nearest, alignCorners: true), "Interpolate", "alignCorners", "[1, 1, 4, 4]");
        ConvTests.AssertBad(() => Ops.Interpolate(Tensor.Zeros(1, 1, 4, 4), (0, 8)), "Interpolate", "(0, 8)", "[1, 1, 4, 4]");
        ConvTests.AssertBad(() => Ops.InterpolateByScale(Tensor.Zeros(1, 1, 4, 4), -2), "Interpolate", "-2", "[1, 1, 4, 4]");
        ConvTests.AssertBad(() => Ops.InterpolateByScale(Tensor.Zeros(1, 1, 4, 4), 0.2), "Interpolate", "empty output", "[1, 1, 4, 4]");
        ConvTests.AssertBad(() => Ops.Interpolate(Tensor.LongZeros(1, 1, 4, 4), (8, 8)), "Interpolate", "Int64");
    }
}
