using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>FrozenBatchNorm2d as torchvision's (DETR's backbone norm): buffers only, the same map in training and eval.</summary>
public class FrozenBatchNormTests
{
    private static FrozenBatchNorm2d Randomized(int channels, ulong seed)
    {
        var bn = new FrozenBatchNorm2d(channels);
        var gen = new Generator(seed);
        Init.Uniform(bn.Weight, 0.5, 1.5, gen);
        Init.Uniform(bn.Bias, -0.5, 0.5, gen);
        Init.Uniform(bn.RunningMean, -0.5, 0.5, gen);
        Init.Uniform(bn.RunningVar, 0.5, 2, gen);
        return bn;
    }

    [Fact]
    public void Train_never_unfreezes_it_and_its_buffers_never_move()
    {
        var bn = Randomized(3, 1);
        var x = Tensor.Randn(new Generator(2), 4, 3, 5, 5);
        var before = bn.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        bn.Eval();
        var eval = bn.Forward(x).ToArray();
        bn.Train();
        Assert.True(bn.Training);
        Assert.Equal(eval, bn.Forward(x).ToArray());
        Assert.Empty(bn.Parameters());
        Assert.Equal(new[] { "bias", "running_mean", "running_var", "weight" }, bn.StateDict().Keys.Order());
        Assert.All(bn.StateDict(), kv => Assert.Equal(before[kv.Key], kv.Value.ToArray()));
    }

    [Fact]
    public void The_gradient_reaches_the_input_scaled_by_weight_over_the_running_deviation()
    {
        var bn = Randomized(2, 3);
        var x = Tensor.Randn(new Generator(4), 2, 2, 3, 3);
        x.RequiresGrad = true;
        bn.Train();
        Ops.Sum(bn.Forward(x)).Backward();
        var grad = x.Grad!.ToArray();
        var w = bn.Weight.ToArray();
        var v = bn.RunningVar.ToArray();
        for (int i = 0; i < grad.Length; i++)
        {
            int c = i / 9 % 2;
            Assert.Equal(w[c] / MathF.Sqrt(v[c] + 1e-5f), grad[i], 5);
        }
        Assert.All(bn.StateDict().Values, t => Assert.Null(t.Grad));
    }

    [Fact]
    public void A_torchvision_checkpoint_s_batch_counter_is_an_unexpected_key()
    {
        var bn = new FrozenBatchNorm2d(2);
        var state = new BatchNorm2d(2).StateDict();
        var e = Assert.Throws<StateDictMismatchException>(() => bn.LoadStateDict(state));
        Assert.Equal(new[] { "num_batches_tracked" }, e.Unexpected);
    }
}
