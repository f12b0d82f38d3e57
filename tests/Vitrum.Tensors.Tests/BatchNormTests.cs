using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class BatchNormTests
{
    [Fact]
    public void BatchNorm_training_gradients_match_finite_differences()
    {
        // Running buffers are captured, not inputs: they are state and receive no gradient.
        var rm = Tensor.Zeros(2);
        var rv = Tensor.Ones(2);
        GradCheck.Check(x => Ops.BatchNorm(x[0], rm, rv, x[1], x[2], training: true),
            new[] { GradCheck.Rand(1, 3, 2, 2, 3), GradCheck.Rand(2, 2), GradCheck.Rand(3, 2) });
        GradCheck.Check(x => Ops.BatchNorm(x[0], null, null, null, null, training: true), new[] { GradCheck.Rand(4, 4, 3) });
        GradCheck.Check(x => Ops.BatchNorm(x[0], null, null, x[1], null, training: true, eps: 1e-3f),
            new[] { GradCheck.Rand(5, 2, 3, 4), GradCheck.Rand(6, 3) });
        GradCheck.Check(x => Ops.BatchNorm(x[0], null, null, null, x[1], training: true),
            new[] { GradCheck.Rand(7, 2, 3, 4), GradCheck.Rand(8, 3) });
    }

    [Fact]
    public void BatchNorm_eval_gradients_match_finite_differences()
    {
        var rm = GradCheck.Rand(10, 3);
        var rv = Ops.Add(Ops.Exp(GradCheck.Rand(11, 3)), 0.5f);
        GradCheck.Check(x => Ops.BatchNorm(x[0], rm, rv, x[1], x[2], training: false),
            new[] { GradCheck.Rand(12, 2, 3, 2, 2), GradCheck.Rand(13, 3), GradCheck.Rand(14, 3) });
        GradCheck.Check(x => Ops.BatchNorm(x[0], rm, rv, null, null, training: false), new[] { GradCheck.Rand(15, 1, 3, 5) });
    }

    [Fact]
    public void BatchNorm_training_normalizes_with_biased_variance_and_updates_running_stats_with_unbiased()
    {
        var x = Tensor.FromArray(new float[] { 1, 10, 2, 10, 3, 10, 4, 14 }, 4, 2);
        var rm = Tensor.FromArray(new float[] { 0, 1 });
        var rv = Tensor.FromArray(new float[] { 1, 2 });
        var y = Ops.BatchNorm(x, rm, rv, null, null, training: true, momentum: 0.1f, eps: 0f).ToArray();
        // Channel 0: mean 2.5, biased variance 1.25, unbiased 5/3. Channel 1: mean 11, variance 3, unbiased 4.
        Assert.Equal(-1.5f / MathF.Sqrt(1.25f), y[0], 5);
        Assert.Equal(3f / MathF.Sqrt(3f), y[7], 5);
        GradCheck.Close(new[] { 0.25f, 0.9f * 1 + 0.1f * 11 }, rm.ToArray(), 1e-6, 1e-6, "running mean");
        GradCheck.Close(new[] { 0.9f + 0.1f * 5 / 3f, 0.9f * 2 + 0.1f * 4 }, rv.ToArray(), 1e-6, 1e-6, "running var");
    }

    [Fact]
    public void BatchNorm_eval_applies_the_running_statistics_and_leaves_them_unchanged()
    {
        var x = GradCheck.Rand(20, 2, 2, 3);
        var rm = Tensor.FromArray(new float[] { 0.5f, -1 });
        var rv = Tensor.FromArray(new float[] { 4, 0.25f });
        var w = Tensor.FromArray(new float[] { 2, 3 });
        var b = Tensor.FromArray(new float[] { 1, -1 });
        var y = Ops.BatchNorm(x, rm, rv, w, b, training: false, eps: 0f).ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            int c = i / 3 % 2;
            float expected = c == 0 ? (xs[i] - 0.5f) / 2 * 2 + 1 : (xs[i] + 1) / 0.5f * 3 - 1;
            Assert.Equal(expected, y[i], 5);
        }
        Assert.Equal(new[] { 0.5f, -1 }, rm.ToArray());
        Assert.Equal(new[] { 4f, 0.25f }, rv.ToArray());
    }

    [Fact]
    public void BatchNorm_matches_the_composite_of_primitive_ops_on_a_batch_large_enough_to_run_in_parallel()
    {
        var x = GradCheck.Rand(30, 4, 8, 24, 24).RequireGrad();
        var w = GradCheck.Rand(31, 8).RequireGrad();
        var b = GradCheck.Rand(32, 8).RequireGrad();
        var y = Ops.BatchNorm(x, null, null, w, b, training: true);
        var gy = GradCheck.Rand(33, y.Shape);
        y.Backward(gy);
        float[] dx = x.Grad!.ToArray(), dw = w.Grad!.ToArray(), db = b.Grad!.ToArray();
        x.ZeroGrad(); w.ZeroGrad(); b.ZeroGrad();

        // mean, biased variance and 1/sqrt(var + eps) = exp(-log(var + eps) / 2) from primitive ops with their own backward rules.
        var axes = new[] { 0, 2, 3 };
        float m = 4 * 24 * 24;
        var centred = Ops.Sub(x, Ops.Div(Ops.Sum(x, axes, keepDim: true), m));
        var variance = Ops.Div(Ops.Sum(Ops.Mul(centred, centred), axes, keepDim: true), m);
        var invstd = Ops.Exp(Ops.Mul(Ops.Log(Ops.Add(variance, 1e-5f)), -0.5f));
        var reference = Ops.Add(Ops.Mul(Ops.Mul(centred, invstd), w.Reshape(1, 8, 1, 1)), b.Reshape(1, 8, 1, 1));
        reference.Backward(gy);
        GradCheck.Close(reference.ToArray(), y.ToArray(), 1e-4, 1e-4, "output");
        GradCheck.Close(x.Grad!.ToArray(), dx, 1e-3, 1e-4, "dx");
        GradCheck.Close(w.Grad!.ToArray(), dw, 1e-3, 1e-3, "dweight");
        GradCheck.Close(b.Grad!.ToArray(), db, 1e-4, 1e-3, "dbias");
    }

    [Fact]
    public void BatchNorm_rejects_bad_inputs_naming_op_and_shapes()
    {
        var c3 = Tensor.Zeros(3);
        ConvTests.AssertBad(() => Ops.BatchNorm(Tensor.Zeros(4), null, null, null, null, true), "BatchNorm", "[4]");
        ConvTests.AssertBad(() => Ops.BatchNorm(Tensor.Zeros(2, 3, 4), Tensor.Zeros(4), Tensor.Ones(4), null, null, true),
            "BatchNorm", "running_mean [4]", "[2, 3, 4]");
        ConvTests.AssertBad(() => Ops.BatchNorm(Tensor.Zeros(2, 3, 4), null, null, Tensor.Zeros(2), null, true), "BatchNorm", "weight [2]", "[2, 3, 4]");
        ConvTests.AssertBad(() => Ops.BatchNorm(Tensor.Zeros(2, 3, 4), null, null, null, Tensor.Zeros(3, 1), true), "BatchNorm", "bias [3, 1]");
        ConvTests.AssertBad(() => Ops.BatchNorm(Tensor.Zeros(2, 3), null, null, c3, c3, false), "BatchNorm", "eval", "[2, 3]");
        ConvTests.AssertBad(() => Ops.BatchNorm(Tensor.Zeros(2, 3), c3, null, null, null, true), "BatchNorm", "together", "[2, 3]");
        ConvTests.AssertBad(() => Ops.BatchNorm(Tensor.Zeros(1, 3), null, null, null, null, true), "BatchNorm", "more than 1 value per channel", "[1, 3]");
        ConvTests.AssertBad(() => Ops.BatchNorm(Tensor.LongZeros(2, 3), null, null, null, null, true), "BatchNorm", "Int64");
    }
}
