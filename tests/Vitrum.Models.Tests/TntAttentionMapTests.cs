using Vitrum.Models.Tnt;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>A TNT's attention map: the attention rollout of its outer blocks, from the probabilities its attention uses.</summary>
public class TntAttentionMapTests
{
    [Fact]
    public void Outer_attention_probabilities_applied_to_the_values_give_the_fused_attention_output()
    {
        var attn = new TntAttention(32, 4, qkvBias: true, new Generator(1));
        var x = Tensor.Randn(new Generator(2), 2, 10, 32);
        using var _ = GradMode.NoGrad();
        var p = attn.Probabilities(x);
        Assert.Equal(new[] { 2, 4, 10, 10 }, p.Shape);
        var v = attn.V.Forward(x).Reshape(2, 10, 4, 8).Permute(0, 2, 1, 3);
        var composed = attn.Proj.Forward(Ops.MatMul(p, v).Transpose(1, 2).Reshape(2, 10, 32));
        Agreement.Check(composed, attn.Forward(x), 1e-5, "attention output");
    }

    [Fact]
    public void Map_is_the_rollout_of_the_outer_attentions_read_from_the_class_token_over_the_patches()
    {
        var model = TntFixture.Model(TntFixture.Small, TntFixture.CurrentCheckpoint);
        var x = TntFixture.Expected("input");
        int batch = x.Shape[0], n = 1 + TntFixture.Small.NumPatches;
        var maps = model.OuterAttentionProbabilities(x);
        Assert.Equal(TntFixture.Small.Depth, maps.Count);
        Assert.All(maps, m => Assert.Equal(new[] { batch, TntFixture.Small.NumHeadsOuter, n, n }, m.Shape));
        var identity = Tensor.FromArray(Enumerable.Range(0, n * n).Select(k => k / n == k % n ? 1f : 0f).ToArray(), n, n);
        using var _ = GradMode.NoGrad();
        for (int b = 0; b < batch; b++)
        {
            // The rollout as matrix products: rownorm(mean over heads + I) of each block, the first block rightmost.
            var rollout = identity;
            foreach (var m in maps)
            {
                var a = Ops.Add(Ops.Mean(m.Select(0, b), 0), identity);
                rollout = Ops.MatMul(Ops.Div(a, Ops.Sum(a, 1, keepDim: true)), rollout);
            }
            var row = rollout.Select(0, 0).Narrow(0, 1, n - 1).Contiguous().ToArray();
            var map = model.MapAttention(x, b);
            Assert.Equal((3, 3, AttentionRollout.Kind), (map.Rows, map.Cols, map.Kind));
            for (int k = 0; k < row.Length; k++) Assert.Equal(row[k] / row.Max(), map.Values[k], 1e-5f);
        }
    }
}
