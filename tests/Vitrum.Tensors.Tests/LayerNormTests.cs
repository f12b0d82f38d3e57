using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class LayerNormTests
{
    [Fact]
    public void LayerNorm_gradients_match_finite_differences_with_and_without_affine()
    {
        GradCheck.Check(x => Ops.LayerNorm(x[0], new[] { 5 }, x[1], x[2]), new[] { GradCheck.Rand(1, 2, 3, 5), GradCheck.Rand(2, 5), GradCheck.Rand(3, 5) });
        GradCheck.Check(x => Ops.LayerNorm(x[0], new[] { 3, 4 }, x[1], x[2]), new[] { GradCheck.Rand(4, 2, 3, 4), GradCheck.Rand(5, 3, 4), GradCheck.Rand(6, 3, 4) });
        GradCheck.Check(x => Ops.LayerNorm(x[0], new[] { 17 }, x[1]), new[] { GradCheck.Rand(7, 3, 17), GradCheck.Rand(8, 17) });
        GradCheck.Check(x => Ops.LayerNorm(x[0], new[] { 17 }, null, x[1]), new[] { GradCheck.Rand(9, 3, 17), GradCheck.Rand(10, 17) });
        GradCheck.Check(x => Ops.LayerNorm(x[0], new[] { 17 }), new[] { GradCheck.Rand(11, 3, 17) });
    }

    /// <summary>The same normalization composed from Mean, Var and Rsqrt, whose autograd gives reference gradients.</summary>
    private static Tensor Composite(Tensor x, Tensor w, Tensor b, float eps)
    {
        var mean = Ops.Mean(x, -1, keepDim: true);
        var var = Ops.Var(x, -1, correction: 0, keepDim: true);
        var xhat = Ops.Mul(Ops.Sub(x, mean), Ops.Rsqrt(Ops.Add(var, eps)));
        return Ops.Add(Ops.Mul(xhat, w), b);
    }

    [Fact]
    public void LayerNorm_on_rows_split_across_threads_matches_the_composite_reference()
    {
        // 96 x 520 = 49,920 elements: above the parallel threshold, and 520 leaves a tail after the vectors.
        var inputs = new[] { Ops.Add(Ops.Mul(GradCheck.Rand(12, 96, 520), 3f), 2f), GradCheck.Rand(13, 520), GradCheck.Rand(14, 520) };
        var reference = inputs.Select(t => t.Clone()).ToArray();
        foreach (var t in inputs.Concat(reference)) t.RequiresGrad = true;
        var g = GradCheck.Rand(15, 96, 520);
        var y = Ops.LayerNorm(inputs[0], new[] { 520 }, inputs[1], inputs[2], 1e-5f);
        var yr = Composite(reference[0], reference[1], reference[2], 1e-5f);
        GradCheck.Close(yr.ToArray(), y.ToArray(), 1e-5, 1e-5, "forward");
        y.Backward(g);
        yr.Backward(g);
        for (int i = 0; i < 3; i++)
            GradCheck.Close(reference[i].Grad!.ToArray(), inputs[i].Grad!.ToArray(), 1e-4, 1e-4, $"grad {i}");
    }

    [Fact]
    public void LayerNorm_normalizes_a_strided_view_like_its_contiguous_copy()
    {
        var x = GradCheck.Rand(16, 7, 4, 6).Transpose(0, 2);
        Assert.Equal(Ops.LayerNorm(x.Contiguous(), new[] { 7 }).ToArray(), Ops.LayerNorm(x, new[] { 7 }).ToArray());
    }

    [Fact]
    public void LayerNorm_output_rows_have_zero_mean_and_unit_variance_without_affine()
    {
        var y = Ops.LayerNorm(Ops.Mul(GradCheck.Rand(17, 5, 300), 10f), new[] { 300 }, eps: 0f);
        var mean = Ops.Mean(y, -1).ToArray();
        var var = Ops.Var(y, -1, correction: 0).ToArray();
        Assert.All(mean, m => Assert.True(Math.Abs(m) < 1e-6, $"row mean {m}"));
        Assert.All(var, v => Assert.True(Math.Abs(v - 1) < 1e-5, $"row variance {v}"));
    }

    [Fact]
    public void Bad_inputs_raise_argument_exceptions_naming_op_and_shapes()
    {
        var shape = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(Tensor.Zeros(2, 3, 4), new[] { 5 }));
        Assert.Equal("LayerNorm: normalized shape [5] does not match the last dims of input [2, 3, 4]", shape.Message);
        var tooLong = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(Tensor.Zeros(4), new[] { 2, 4 }));
        Assert.Contains("[2, 4]", tooLong.Message);
        var empty = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(Tensor.Zeros(4), Array.Empty<int>()));
        Assert.Contains("LayerNorm", empty.Message);
        var weight = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(Tensor.Zeros(2, 4), new[] { 4 }, Tensor.Zeros(3)));
        Assert.Contains("weight of shape [3]", weight.Message);
        Assert.Contains("[4]", weight.Message);
        var bias = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(Tensor.Zeros(2, 4), new[] { 4 }, null, Tensor.Zeros(1, 4)));
        Assert.Contains("bias of shape [1, 4]", bias.Message);
        var dtype = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(Tensor.LongZeros(2, 4), new[] { 4 }));
        Assert.Contains("LayerNorm", dtype.Message);
        Assert.Contains("Int64", dtype.Message);
    }
}
