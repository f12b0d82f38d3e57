using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class ElementwiseTests
{
    /// <summary>Random values in (lo, hi).</summary>
    private static Tensor Uniform(ulong seed, float lo, float hi, params int[] shape)
    {
        var t = Tensor.Rand(new Generator(seed), shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = lo + (hi - lo) * s[i];
        return t;
    }

    /// <summary>Values in (-1, 1) kept at least 0.1 away from 0, so finite differences do not straddle a kink at 0.</summary>
    private static Tensor AwayFromZero(ulong seed, params int[] shape)
    {
        var t = GradCheck.Rand(seed, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = s[i] < 0 ? s[i] - 0.1f : s[i] + 0.1f;
        return t;
    }

    [Fact]
    public void Pow_scalar_gradients_match_finite_differences_for_fast_and_general_exponents()
    {
        foreach (var e in new[] { 2f, 3f, 0.5f, -0.5f, -1f, -2f, 1.7f, 1f })
            GradCheck.Check(x => Ops.Pow(x[0], e), new[] { Uniform(1, 0.5f, 2f, 3, 17) });
        GradCheck.Check(x => Ops.Pow(x[0], 5f), new[] { GradCheck.Rand(2, 2, 9) });
    }

    [Fact]
    public void Pow_tensor_gradients_match_finite_differences_with_broadcasting()
    {
        GradCheck.Check(x => Ops.Pow(x[0], x[1]), new[] { Uniform(3, 0.5f, 2f, 2, 3, 17), GradCheck.Rand(4, 3, 1) });
        GradCheck.Check(x => Ops.Pow(x[0], x[1]), new[] { Uniform(5, 0.5f, 2f, 17), Uniform(6, -2f, 2f, 4, 1) });
    }

    [Fact]
    public void Pow_follows_c_conventions_for_negative_bases_zero_and_special_exponents()
    {
        var a = new[] { -2f, -2f, -2f, 0f, 0f, float.NaN, 1f, -8f, -0.5f };
        var b = new[] { 3f, 2f, 0.5f, -1f, 0f, 0f, float.NaN, 1f / 3f, float.PositiveInfinity };
        var expected = new[] { -8f, 4f, float.NaN, float.PositiveInfinity, 1f, 1f, 1f, float.NaN, 0f };
        // 18 elements: the first 16 run through the vector body, the rest through the scalar tail.
        var o = Ops.Pow(Tensor.FromArray(a.Concat(a).ToArray()), Tensor.FromArray(b.Concat(b).ToArray())).ToArray();
        Assert.Equal(expected.Concat(expected).ToArray(), o);
    }

    [Fact]
    public void Pow_general_exponent_is_correctly_rounded_against_double()
    {
        var x = Uniform(7, 0.01f, 100f, 4096);
        var o = Ops.Pow(x, 2.37f).ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            double e = Math.Pow(xs[i], 2.37f);
            Assert.True(Math.Abs(o[i] - e) <= 6e-8 * e, $"pow({xs[i]}, 2.37) = {o[i]}, expected {e}");
        }
    }

    [Fact]
    public void Sqrt_rsqrt_erf_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Sqrt(x[0]), new[] { Uniform(8, 0.5f, 3f, 3, 17) });
        GradCheck.Check(x => Ops.Rsqrt(x[0]), new[] { Uniform(9, 0.5f, 3f, 3, 17) });
        GradCheck.Check(x => Ops.Erf(x[0]), new[] { Uniform(10, -3f, 3f, 3, 17) });
    }

    [Fact]
    public void Abs_gradient_matches_finite_differences_and_is_zero_at_zero()
    {
        GradCheck.Check(x => Ops.Abs(x[0]), new[] { AwayFromZero(11, 3, 17) });
        var z = Tensor.FromArray(new[] { 0f, -2f, 3f }).RequireGrad();
        Ops.Sum(Ops.Abs(z)).Backward();
        Assert.Equal(new[] { 0f, -1f, 1f }, z.Grad!.ToArray());
    }

    [Fact]
    public void Clamp_passes_gradient_only_inside_the_closed_interval()
    {
        GradCheck.Check(x => Ops.Clamp(x[0], -0.35f, 0.45f), new[] { GradCheck.Rand(12, 4, 17) }, eps: 1e-3);
        var x = Tensor.FromArray(new[] { -1f, -0.5f, 0f, 0.5f, 1f, float.NaN }).RequireGrad();
        var y = Ops.Clamp(x, -0.5f, 0.5f);
        GradCheck.Close(new[] { -0.5f, -0.5f, 0f, 0.5f, 0.5f, float.NaN }, y.ToArray(), 0, 0, "clamp");
        Ops.Sum(y).Backward();
        Assert.Equal(new[] { 0f, 1f, 1f, 1f, 0f, 0f }, x.Grad!.ToArray());
    }

    [Fact]
    public void Clamp_with_one_bound_and_with_inverted_bounds_matches_pytorch_semantics()
    {
        var x = Tensor.FromArray(new[] { -2f, 0f, 2f });
        Assert.Equal(new[] { 0f, 0f, 2f }, Ops.Clamp(x, min: 0f).ToArray());
        Assert.Equal(new[] { -2f, 0f, 0f }, Ops.Clamp(x, max: 0f).ToArray());
        Assert.Equal(new[] { -1f, -1f, -1f }, Ops.Clamp(x, 1f, -1f).ToArray());
        var ex = Assert.Throws<ArgumentException>(() => Ops.Clamp(x));
        Assert.Contains("Clamp", ex.Message);
    }

    [Fact]
    public void Maximum_and_minimum_gradients_match_finite_differences_with_broadcasting()
    {
        GradCheck.Check(x => Ops.Maximum(x[0], x[1]), new[] { GradCheck.Rand(13, 2, 3, 17), GradCheck.Rand(14, 3, 1) });
        GradCheck.Check(x => Ops.Minimum(x[0], x[1]), new[] { GradCheck.Rand(15, 17), GradCheck.Rand(16, 2, 1) });
    }

    [Fact]
    public void Maximum_splits_the_gradient_of_ties_evenly_and_gives_nan_to_both()
    {
        var a = Tensor.FromArray(new[] { 1f, 2f, 3f, float.NaN }).RequireGrad();
        var b = Tensor.FromArray(new[] { 1f, 1f, 4f, 0f }).RequireGrad();
        var y = Ops.Maximum(a, b);
        GradCheck.Close(new[] { 1f, 2f, 4f, float.NaN }, y.ToArray(), 0, 0, "maximum");
        Ops.Sum(y).Backward();
        Assert.Equal(new[] { 0.5f, 1f, 0f, 1f }, a.Grad!.ToArray());
        Assert.Equal(new[] { 0.5f, 0f, 1f, 1f }, b.Grad!.ToArray());
    }

    [Fact]
    public void Where_selects_with_int64_or_float_conditions_and_broadcasts()
    {
        var cond = Tensor.FromLongs(new long[] { 1, 0, 2 }, 3, 1);
        var a = Tensor.FromArray(new[] { 10f, 20f }, 1, 2);
        var y = Ops.Where(cond, a, -1f);
        Assert.Equal(new[] { 3, 2 }, y.Shape);
        Assert.Equal(new[] { 10f, 20f, -1f, -1f, 10f, 20f }, y.ToArray());
        var fcond = Tensor.FromArray(new[] { 0f, float.NaN, -0.5f });
        Assert.Equal(new[] { 2f, 1f, 1f }, Ops.Where(fcond, 1f, Tensor.Full(new[] { 3 }, 2f)).ToArray());
    }

    [Fact]
    public void Where_and_masked_fill_gradients_match_finite_differences()
    {
        var cond = Tensor.FromLongs(new long[] { 1, 0, 0, 1, 1 }, 5);
        GradCheck.Check(x => Ops.Where(cond, x[0], x[1]), new[] { GradCheck.Rand(17, 3, 1), GradCheck.Rand(18, 2, 3, 5) });
        var mask = Tensor.FromLongs(new long[] { 0, 1, 0 }, 3, 1);
        GradCheck.Check(x => Ops.MaskedFill(x[0], mask, -5f), new[] { GradCheck.Rand(19, 2, 3, 17) });
    }

    [Fact]
    public void Masked_fill_writes_value_where_the_mask_holds()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 2, 2);
        var mask = Tensor.FromLongs(new long[] { 0, 1 }, 2);
        Assert.Equal(new[] { 1f, -9f, 3f, -9f }, Ops.MaskedFill(x, mask, -9f).ToArray());
    }

    [Fact]
    public void Comparisons_return_int64_zero_or_one_with_broadcasting_and_nan_unequal()
    {
        var a = Tensor.FromArray(new[] { 1f, 2f, float.NaN }, 3, 1);
        var b = Tensor.FromArray(new[] { 2f, float.NaN }, 2);
        var gt = Ops.Gt(a, b);
        Assert.Equal(DType.Int64, gt.DType);
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0 }, gt.ToLongArray());
        Assert.Equal(new long[] { 1, 0, 0, 0, 0, 0 }, Ops.Lt(a, b).ToLongArray());
        Assert.Equal(new long[] { 0, 0, 1, 0, 0, 0 }, Ops.Eq(a, b).ToLongArray());
        Assert.Equal(new long[] { 1, 1, 0, 1, 1, 1 }, Ops.Ne(a, b).ToLongArray());
        Assert.Equal(new long[] { 0, 1, 0 }, Ops.Ge(a, 2f).ToLongArray());
        Assert.Equal(new long[] { 1, 1, 0 }, Ops.Le(a, 2f).ToLongArray());
        var ids = Tensor.FromLongs(new long[] { 5, 0, 7, 0 }, 2, 2);
        Assert.Equal(new long[] { 0, 1, 0, 1 }, Ops.Eq(ids, 0).ToLongArray());
        Assert.Equal(new long[] { 1, 0, 1, 0 }, Ops.Ne(ids, Tensor.FromLongs(new long[] { 0 }, 1)).ToLongArray());
    }

    [Fact]
    public void Bad_inputs_raise_argument_exceptions_naming_op_and_shapes()
    {
        var pow = Assert.Throws<ArgumentException>(() => Ops.Pow(Tensor.Zeros(2, 3), Tensor.Zeros(4)));
        Assert.Contains("Pow", pow.Message);
        Assert.Contains("[2, 3]", pow.Message);
        var dtype = Assert.Throws<ArgumentException>(() => Ops.Sqrt(Tensor.LongZeros(3)));
        Assert.Contains("Sqrt", dtype.Message);
        Assert.Contains("Int64", dtype.Message);
        var where = Assert.Throws<ArgumentException>(() => Ops.Where(Tensor.LongZeros(3), Tensor.Zeros(2), Tensor.Zeros(3)));
        Assert.Contains("Where", where.Message);
        Assert.Contains("[3]", where.Message);
        Assert.Contains("[2]", where.Message);
        var fill = Assert.Throws<ArgumentException>(() => Ops.MaskedFill(Tensor.Zeros(4), Tensor.LongZeros(3, 4), 1f));
        Assert.Contains("MaskedFill", fill.Message);
        Assert.Contains("[3, 4]", fill.Message);
        var cmp = Assert.Throws<ArgumentException>(() => Ops.Gt(Tensor.LongZeros(2), Tensor.Zeros(2)));
        Assert.Contains("Gt", cmp.Message);
        var max = Assert.Throws<ArgumentException>(() => Ops.Maximum(Tensor.Zeros(2, 5), Tensor.Zeros(3, 1)));
        Assert.Contains("Maximum", max.Message);
        Assert.Contains("[2, 5]", max.Message);
    }
}
