using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>MultiheadAttention.Probabilities (attention maps) gives the weights the fused forward applies to the values.</summary>
public class MultiheadAttentionProbabilitiesTests
{
    [Fact]
    public void Probabilities_weigh_the_projected_values_into_the_forward_output_and_give_padded_keys_nothing()
    {
        var gen = new Generator(11);
        var mha = new MultiheadAttention(8, 2, batchFirst: true, gen: gen);
        var (q, k, v) = (Tensor.Randn(gen, 2, 3, 8), Tensor.Randn(gen, 2, 5, 8), Tensor.Randn(gen, 2, 5, 8));
        var padding = Tensor.FromLongs(new long[] { 0, 0, 0, 0, 0, 0, 0, 1, 1, 0 }, 2, 5);
        using var _ = GradMode.NoGrad();

        var probs = mha.Probabilities(q, k, padding);

        Assert.Equal(new[] { 2, 2, 3, 5 }, probs.Shape);
        var p = probs.ToArray();
        for (int row = 0; row < 2 * 2 * 3; row++)
        {
            Assert.Equal(1.0, p.Skip(row * 5).Take(5).Sum(), 5);
            if (row >= 2 * 3) Assert.Equal((0f, 0f), (p[row * 5 + 2], p[row * 5 + 3])); // image 1's keys 2 and 3 are padding
        }
        var weighed = mha.MergeHeads(Ops.MatMul(probs, mha.ProjectHeads(v, 2))).ToArray();
        var forward = mha.Forward(q, k, v, padding).ToArray();
        Assert.All(weighed.Zip(forward), t => Assert.Equal(t.Second, t.First, 5));
    }
}
