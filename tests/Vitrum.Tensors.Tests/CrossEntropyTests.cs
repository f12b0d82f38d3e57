using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class CrossEntropyTests
{
    private static readonly Tensor Weight = Tensor.FromArray(new[] { 0.5f, 1.5f, 1f, 2f, 0.25f });

    [Fact]
    public void Class_index_gradients_match_finite_differences_for_every_option()
    {
        var t = Tensor.FromLongs(new long[] { 0, 3, -100, 4, 1, 2 }, 6);
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            GradCheck.Check(x => Ops.CrossEntropy(x[0], t, reduction: reduction), new[] { GradCheck.Rand(1, 6, 5) });
            GradCheck.Check(x => Ops.CrossEntropy(x[0], t, Weight, labelSmoothing: 0.2f, reduction: reduction), new[] { GradCheck.Rand(2, 6, 5) });
        }
        var spatial = Tensor.FromLongs(new long[] { 0, 2, 1, -100, 2, 2, 0, 1 }, 2, 2, 2);
        GradCheck.Check(x => Ops.CrossEntropy(x[0], spatial, labelSmoothing: 0.1f), new[] { GradCheck.Rand(3, 2, 3, 2, 2) });
    }

    [Fact]
    public void Probability_target_gradients_match_finite_differences_for_logits_and_targets()
    {
        GradCheck.Check(x => Ops.CrossEntropy(x[0], Ops.Softmax(x[1], 1), Weight, labelSmoothing: 0.1f), new[] { GradCheck.Rand(4, 3, 5), GradCheck.Rand(5, 3, 5) });
        GradCheck.Check(x => Ops.CrossEntropy(x[0], x[1], reduction: Reduction.None), new[] { GradCheck.Rand(6, 2, 5, 3), GradCheck.Rand(7, 2, 5, 3) });
    }

    /// <summary>
    /// Cross entropy composed from LogSoftmax: loss = -sum(lp * T) / sum of target weights, where row i of
    /// T is (1-eps) w_t one_hot(t) + eps/C w (zero for ignored rows).
    /// </summary>
    private static Tensor Composite(Tensor logits, long[] targets, float[] w, float eps)
    {
        int n = logits.Shape[0], c = logits.Shape[1];
        var dist = new float[n * c];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            if (targets[i] < 0) continue;
            total += w[targets[i]];
            for (int j = 0; j < c; j++) dist[i * c + j] = eps / c * w[j];
            dist[i * c + targets[i]] += (1 - eps) * w[targets[i]];
        }
        var lp = Ops.LogSoftmax(logits, 1);
        return Ops.Mul(Ops.Sum(Ops.Mul(lp, Tensor.FromArray(dist, n, c))), (float)(-1 / total));
    }

    [Fact]
    public void Rows_split_across_threads_match_the_log_softmax_composite()
    {
        // 300 x 211 logits: above the parallel threshold, with a tail after the vectors in every row.
        int n = 300, c = 211;
        var gen = new Generator(8);
        var targets = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? -100L : gen.NextInt(c)).ToArray();
        var w = Enumerable.Range(0, c).Select(_ => 0.5f + gen.NextFloat()).ToArray();
        var x = Ops.Mul(GradCheck.Rand(9, n, c), 4f).RequireGrad();
        var xr = x.Detach().Clone().RequireGrad();
        var loss = Ops.CrossEntropy(x, Tensor.FromLongs(targets, n), Tensor.FromArray(w), labelSmoothing: 0.1f);
        var reference = Composite(xr, targets, w, 0.1f);
        GradCheck.Close(new[] { reference.Item() }, new[] { loss.Item() }, 1e-5, 1e-6, "loss");
        loss.Backward();
        reference.Backward();
        GradCheck.Close(xr.Grad!.ToArray(), x.Grad!.ToArray(), 1e-4, 1e-7, "grad");
    }

    [Fact]
    public void Unbatched_logits_are_one_row_forward_and_backward()
    {
        var target = Tensor.FromLongs(new long[] { 2 }).Reshape();
        var loss = Ops.CrossEntropy(GradCheck.Rand(12, 5), target, reduction: Reduction.None);
        Assert.Empty(loss.Shape);
        GradCheck.Check(x => Ops.CrossEntropy(x[0], target, Weight, labelSmoothing: 0.1f), new[] { GradCheck.Rand(13, 5) });
        GradCheck.Check(x => Ops.CrossEntropy(x[0], x[1], reduction: Reduction.Sum), new[] { GradCheck.Rand(14, 5), GradCheck.Rand(15, 5) });
    }

    [Fact]
    public void Mean_over_only_ignored_targets_is_nan_and_their_sum_is_zero()
    {
        var x = GradCheck.Rand(10, 3, 4);
        var t = Tensor.FromLongs(new long[] { -100, -100, -100 }, 3);
        Assert.True(float.IsNaN(Ops.CrossEntropy(x, t).Item()));
        Assert.Equal(0f, Ops.CrossEntropy(x, t, reduction: Reduction.Sum).Item());
        Assert.Equal(new[] { 0f, 0f, 0f }, Ops.CrossEntropy(x, t, reduction: Reduction.None).ToArray());
    }

    [Fact]
    public void Unreduced_loss_has_the_target_shape_and_equals_minus_log_softmax_at_the_target()
    {
        var x = GradCheck.Rand(11, 2, 4, 3);
        var t = Tensor.FromLongs(new long[] { 0, 3, 1, 2, 2, 0 }, 2, 3);
        var loss = Ops.CrossEntropy(x, t, reduction: Reduction.None);
        Assert.Equal(new[] { 2, 3 }, loss.Shape);
        var lp = Ops.LogSoftmax(x, 1);
        for (int i = 0; i < 2; i++)
            for (int d = 0; d < 3; d++)
                Assert.Equal(-lp.At(i, (int)t.GetLong(i, d), d), loss.At(i, d), 5);
    }

    [Fact]
    public void Large_logits_do_not_overflow()
    {
        var x = Tensor.FromArray(new[] { 1000f, -1000f, 0f, 999f }, 1, 4);
        var loss = Ops.CrossEntropy(x, Tensor.FromLongs(new long[] { 3 }, 1));
        Assert.Equal(1.3132616f, loss.Item(), 5);
    }

    [Fact]
    public void Bad_inputs_raise_argument_exceptions_naming_op_values_and_shapes()
    {
        var x = Tensor.Zeros(3, 5);
        var range = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, Tensor.FromLongs(new long[] { 0, 7, 1 }, 3)));
        Assert.Contains("CrossEntropy", range.Message);
        Assert.Contains("target 7", range.Message);
        Assert.Contains("5 classes", range.Message);
        var negative = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, Tensor.FromLongs(new long[] { 0, -1, 1 }, 3)));
        Assert.Contains("target -1", negative.Message);
        var shape = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, Tensor.FromLongs(new long[] { 0, 1 }, 2)));
        Assert.Contains("[2]", shape.Message);
        Assert.Contains("[3, 5]", shape.Message);
        var soft = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, Tensor.Zeros(3, 4)));
        Assert.Contains("[3, 4]", soft.Message);
        var weight = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, Tensor.LongZeros(3), Tensor.Ones(4)));
        Assert.Contains("weight [4]", weight.Message);
        var smoothing = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, Tensor.LongZeros(3), labelSmoothing: 1.5f));
        Assert.Contains("1.5", smoothing.Message);
        var dtype = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(Tensor.LongZeros(3, 5), Tensor.LongZeros(3)));
        Assert.Contains("Int64", dtype.Message);
        var scalar = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(Tensor.Scalar(1f).Reshape(), Tensor.LongZeros(1)));
        Assert.Contains("CrossEntropy", scalar.Message);
    }
}
