using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Nn.Tests;

/// <summary>Buffers come from the pool: after warm-up a whole training step allocates little on the managed heap.</summary>
public class AllocationTests(ITestOutputHelper output)
{
    /// <summary>One step of a single-head self-attention block with an MLP head, trained with AdamW.</summary>
    private static void Step(Linear q, Linear k, Linear v, Linear head, Optimizer opt, Tensor x, Tensor target)
    {
        using var _ = new TensorScope();
        var scores = Ops.Mul(Ops.MatMul(q.Forward(x), k.Forward(x).T), 0.125f);
        var h = Ops.MatMul(Ops.Softmax(scores), v.Forward(x));
        var diff = Ops.Sub(head.Forward(h), target);
        var loss = Ops.Div(Ops.Sum(Ops.Mul(diff, diff)), diff.Numel);
        opt.ZeroGrad();
        loss.Backward();
        opt.Step();
    }

    [Fact]
    public void Attention_block_training_step_allocates_under_one_megabyte_after_warmup()
    {
        var gen = new Generator(3);
        Linear q = new(64, 64, gen: gen), k = new(64, 64, gen: gen), v = new(64, 64, gen: gen), head = new(64, 10, gen: gen);
        var model = new ModuleList<Linear> { q, k, v, head };
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, 1e-3, 0.05));
        Tensor x, target;
        using (TensorScope.Suppress())
        {
            x = Tensor.Randn(gen, 8, 50, 64);
            target = Tensor.Randn(gen, 8, 50, 10);
        }
        for (int i = 0; i < 5; i++) Step(q, k, v, head, opt, x, target);
        const int steps = 10;
        long before = GC.GetAllocatedBytesForCurrentThread();
        long beforeAll = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < steps; i++) Step(q, k, v, head, opt, x, target);
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / steps;
        // Worker threads of the kernel pool count too: the process-wide figure bounds them.
        long perStepAll = (GC.GetTotalAllocatedBytes(precise: true) - beforeAll) / steps;
        output.WriteLine($"managed allocation per step: {perStep} bytes on this thread, {perStepAll} in the process (activations alone are {8 * 50 * 64 * 4 * 10} bytes)");
        Assert.True(perStep < 1 << 20, $"a training step allocated {perStep} bytes on the managed heap");
        Assert.True(perStepAll < 1 << 20, $"a training step allocated {perStepAll} bytes across all threads");
    }
}
