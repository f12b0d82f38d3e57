using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class ReductionTests
{
    /// <summary>A permutation of 0.1 * [0, n) (distinct values, so max/min have one winner) in the given shape.</summary>
    private static Tensor Distinct(ulong seed, params int[] shape)
    {
        int n = (int)ShapeUtil.Numel(shape);
        var gen = new Generator(seed);
        var v = Enumerable.Range(0, n).Select(i => 0.1f * i).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = gen.NextInt(i + 1);
            (v[i], v[j]) = (v[j], v[i]);
        }
        return Tensor.FromArray(v, shape);
    }

    [Fact]
    public void Mean_and_var_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Mean(x[0]), new[] { GradCheck.Rand(1, 2, 3, 4) });
        GradCheck.Check(x => Ops.Mean(x[0], new[] { 0, 2 }, keepDim: true), new[] { GradCheck.Rand(2, 2, 3, 4) });
        GradCheck.Check(x => Ops.Mean(x[0], -1), new[] { GradCheck.Rand(3, 2, 3, 4) });
        GradCheck.Check(x => Ops.Var(x[0]), new[] { GradCheck.Rand(4, 2, 3, 4) });
        GradCheck.Check(x => Ops.Var(x[0], new[] { 1 }, correction: 0, keepDim: true), new[] { GradCheck.Rand(5, 2, 3, 4) });
        GradCheck.Check(x => Ops.Var(x[0], new[] { 0, 2 }, correction: 2), new[] { GradCheck.Rand(6, 2, 3, 4) });
    }

    [Fact]
    public void Var_matches_a_double_precision_two_pass_reference()
    {
        var x = Ops.Add(Ops.Mul(GradCheck.Rand(7, 6, 1000), 0.01f), 1000f);
        var v = Ops.Var(x, 1).ToArray();
        var xs = x.ToArray();
        for (int r = 0; r < 6; r++)
        {
            var row = xs.Skip(r * 1000).Take(1000).Select(f => (double)f).ToArray();
            double mean = row.Average();
            double expected = row.Sum(f => (f - mean) * (f - mean)) / 999;
            Assert.True(Math.Abs(v[r] - expected) <= 1e-3 * expected, $"row {r}: var {v[r]}, expected {expected}");
        }
    }

    [Fact]
    public void Var_with_correction_equal_to_count_gives_nan_or_inf_like_pytorch()
    {
        Assert.True(float.IsNaN(Ops.Var(Tensor.FromArray(new[] { 3f })).Item()));
        Assert.True(float.IsPositiveInfinity(Ops.Var(Tensor.FromArray(new[] { 1f, 2f }), correction: 3).Item()));
        Assert.True(float.IsNaN(Ops.Mean(Tensor.Zeros(0)).Item()));
    }

    [Fact]
    public void Max_and_min_along_an_axis_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Max(x[0], 1), new[] { Distinct(8, 2, 5, 3) });
        GradCheck.Check(x => Ops.Max(x[0], -1, keepDim: true), new[] { Distinct(9, 3, 17) });
        GradCheck.Check(x => Ops.Min(x[0], 0), new[] { Distinct(10, 4, 3) });
        GradCheck.Check(x => Ops.Max(x[0]), new[] { Distinct(11, 3, 4) });
        GradCheck.Check(x => Ops.Min(x[0]), new[] { Distinct(12, 3, 4) });
    }

    [Fact]
    public void Max_along_an_axis_routes_the_gradient_to_the_first_maximum_and_max_of_all_shares_it()
    {
        var x = Tensor.FromArray(new[] { 1f, 3f, 3f, 2f }, 1, 4).RequireGrad();
        var (values, indices) = Ops.MaxWithIndices(x, 1);
        Assert.Equal(new[] { 3f }, values.ToArray());
        Assert.Equal(new long[] { 1 }, indices.ToLongArray());
        Ops.Sum(values).Backward();
        Assert.Equal(new[] { 0f, 1f, 0f, 0f }, x.Grad!.ToArray());
        x.ZeroGrad();
        Ops.Max(x).Backward();
        Assert.Equal(new[] { 0f, 0.5f, 0.5f, 0f }, x.Grad!.ToArray());
    }

    [Fact]
    public void ArgMax_and_argmin_take_the_first_extreme_and_treat_nan_as_largest()
    {
        var x = Tensor.FromArray(new[] { 1f, float.NaN, 3f, float.NaN, 2f, 5f, 5f, -1f }, 2, 4);
        Assert.Equal(new long[] { 1, 1 }, Ops.ArgMax(x, 1).ToLongArray());
        Assert.Equal(new long[] { 1, 0 }, Ops.ArgMax(x, 0).ToLongArray().Take(2).ToArray());
        Assert.Equal(new long[] { 1, 3 }, Ops.ArgMin(x, 1).ToLongArray());
        Assert.True(float.IsNaN(Ops.Max(x).Item()));
        Assert.True(float.IsNaN(Ops.Max(x, 1).ToArray()[0]));
        var y = Tensor.FromArray(new[] { 2f, 7f, 7f, 3f, 7f, 1f }, 2, 3);
        Assert.Equal(1L, Ops.ArgMax(y).GetLong());
        Assert.Empty(Ops.ArgMax(y).Shape);
        Assert.Equal(new[] { 1, 3 }, Ops.ArgMax(y, 0, keepDim: true).Shape);
        Assert.Equal(new long[] { 1, 0, 0 }, Ops.ArgMax(y, 0).ToLongArray());
        Assert.Equal(5L, Ops.ArgMin(y).GetLong());
    }

    [Fact]
    public void Max_along_a_middle_axis_matches_a_manual_loop()
    {
        var x = GradCheck.Rand(13, 3, 7, 5);
        var (values, indices) = Ops.MaxWithIndices(x, 1);
        var v = values.ToArray();
        var ix = indices.ToLongArray();
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 5; c++)
            {
                int best = 0;
                for (int k = 1; k < 7; k++) if (x.At(a, k, c) > x.At(a, best, c)) best = k;
                Assert.Equal(best, ix[a * 5 + c]);
                Assert.Equal(x.At(a, best, c), v[a * 5 + c]);
            }
    }

    [Fact]
    public void Bad_inputs_raise_argument_exceptions_naming_op_and_shapes()
    {
        var axis = Assert.Throws<ArgumentException>(() => Ops.Mean(Tensor.Zeros(2, 3), 2));
        Assert.Contains("Mean", axis.Message);
        Assert.Contains("[2, 3]", axis.Message);
        var repeated = Assert.Throws<ArgumentException>(() => Ops.Var(Tensor.Zeros(2, 3), new[] { 1, -1 }));
        Assert.Contains("Var", repeated.Message);
        Assert.Contains("repeated", repeated.Message);
        var empty = Assert.Throws<ArgumentException>(() => Ops.Max(Tensor.Empty(new[] { 2, 0 }), 1));
        Assert.Contains("Max", empty.Message);
        Assert.Contains("[2, 0]", empty.Message);
        var emptyAll = Assert.Throws<ArgumentException>(() => Ops.Min(Tensor.Zeros(0)));
        Assert.Contains("Min", emptyAll.Message);
        var dtype = Assert.Throws<ArgumentException>(() => Ops.ArgMax(Tensor.LongZeros(3), 0));
        Assert.Contains("ArgMax", dtype.Message);
        Assert.Contains("Int64", dtype.Message);
        var badAxis = Assert.Throws<ArgumentException>(() => Ops.Max(Tensor.Zeros(4), -2));
        Assert.Contains("Max", badAxis.Message);
        Assert.Contains("axis -2", badAxis.Message);
        var correction = Assert.Throws<ArgumentException>(() => Ops.Var(Tensor.Zeros(4), correction: -1));
        Assert.Contains("Var", correction.Message);
    }
}
