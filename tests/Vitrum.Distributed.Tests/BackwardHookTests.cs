using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Distributed.Tests;

/// <summary>The hook data-parallel training starts its all-reduce from: each leaf once, when its gradient is whole.</summary>
public class BackwardHookTests
{
    [Fact]
    public void Each_leaf_is_reported_once_with_its_complete_gradient_last_layer_first()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f }, 1, 3);
        var w1 = Tensor.FromArray(new[] { 0.5f, -1f, 2f, 0.25f, 1f, -0.5f }, 3, 2).RequireGrad();
        var w2 = Tensor.FromArray(new[] { 1.5f, -2f }, 2, 1).RequireGrad();
        // w1 is used twice, so its gradient is whole only after the second use's backward.
        var h = Ops.MatMul(x, w1);
        var h2 = Ops.Add(h, Ops.MatMul(x, w1));
        var loss = Ops.Sum(Ops.MatMul(h2, w2));
        var seen = new List<(Tensor Leaf, float[] Grad)>();
        loss.Backward(onLeafGradReady: leaf => seen.Add((leaf, leaf.Grad!.ToArray())));
        Assert.Equal(new[] { w2, w1 }, seen.Select(s => s.Leaf));
        Assert.Equal(w1.Grad!.ToArray(), seen[1].Grad);
        Assert.Equal(w2.Grad!.ToArray(), seen[0].Grad);
    }
}
