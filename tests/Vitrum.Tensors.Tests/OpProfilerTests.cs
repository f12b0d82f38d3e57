using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>The profiler's hooks are process-wide, so these run alone (no other test's ops may be counted).</summary>
[Collection("GlobalKernelState")]
public sealed class OpProfilerTests
{
    [Fact]
    public void Profiler_times_forward_ops_without_gradients_and_each_gemm_shape()
    {
        var gen = new Generator(3);
        using var x = Tensor.Randn(gen, 5, 7);
        using var w = Tensor.Randn(gen, 3, 7);
        using var profile = OpProfiler.Start();
        for (int round = 0; round < 2; round++)
        {
            profile.BeginRound();
            using var _ = GradMode.NoGrad();
            using var y = Ops.Linear(x, w);
            using var z = Ops.Relu(y);
        }
        var ops = profile.Ops.ToDictionary(o => o.Op);
        Assert.Equal(1, ops["forward linear"].Calls);
        Assert.Equal(1, ops["forward Relu"].Calls);
        Assert.DoesNotContain(ops.Keys, k => k.StartsWith("backward", StringComparison.Ordinal));
        var gemm = Assert.Single(profile.Gemms);
        Assert.Equal((5, 3, 7, 1, 1.0), (gemm.M, gemm.N, gemm.K, gemm.Batch, gemm.Calls));
        Assert.True(gemm.Ms >= 0);
    }

    [Fact]
    public void Profiler_splits_a_training_step_into_forward_and_backward_ops()
    {
        var gen = new Generator(4);
        using var x = Tensor.Randn(gen, 6, 8);
        using var w = Tensor.Randn(gen, 4, 8).RequireGrad();
        using var profile = OpProfiler.Start();
        profile.BeginRound();
        using (new TensorScope())
        {
            var loss = Ops.Sum(Ops.Relu(Ops.Linear(x, w)));
            loss.Backward();
        }
        var ops = profile.Ops.Select(o => o.Op).ToHashSet();
        Assert.Contains("forward linear", ops);
        Assert.Contains("backward linear", ops);
        Assert.Contains("backward Relu", ops);
        // The backward rules' own ops (run without gradients) are not counted as forward ops: one forward linear.
        Assert.Equal(1, profile.Ops.Single(o => o.Op == "forward linear").Calls);
        // Forward X W^T, then the input gradient is not needed (x has none) and the weight gradient dY^T X.
        Assert.Equal(new[] { (6, 4, 8), (4, 8, 6) }, profile.Gemms.Select(g => (g.M, g.N, g.K)).OrderByDescending(s => s.Item1).ToArray());
        w.ZeroGrad();
    }

    [Fact]
    public void Only_one_profile_runs_at_a_time_and_disposing_it_stops_the_hooks()
    {
        var first = OpProfiler.Start();
        var error = Assert.Throws<InvalidOperationException>(() => OpProfiler.Start());
        Assert.Contains("already running", error.Message);
        first.Dispose();
        using var x = Tensor.Ones(2, 2);
        using (Ops.MatMul(x, x)) { }
        Assert.Empty(first.Gemms);
        using var second = OpProfiler.Start();
        second.BeginRound();
        using (Ops.MatMul(x, x)) { }
        Assert.Single(second.Gemms);
    }
}
