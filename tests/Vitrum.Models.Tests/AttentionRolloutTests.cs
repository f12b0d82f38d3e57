using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>Attention rollout of the small torchvision ViT against PyTorch (tools/fixtures/gen_vit_rollout.py).</summary>
public class AttentionRolloutTests
{
    private static readonly Lazy<Dictionary<string, Tensor>> Reference = new(() => PthFile.Load(VitFixture.Path("small_rollout.pth")));

    [Fact]
    public void Per_head_attention_probabilities_equal_torchvision_multihead_attention_weights()
    {
        var maps = VitFixture.Model().AttentionProbabilities(VitFixture.Expected("input"), out int gh, out int gw);
        Assert.Equal((4, 4), (gh, gw));
        Assert.Equal(2, maps.Count);
        for (int i = 0; i < maps.Count; i++)
            Assert.True(Agreement.MaxRelative(Reference.Value[$"attn.{i}"], maps[i]) < 1e-5, $"block {i}");
    }

    [Fact]
    public void Rollout_and_class_token_map_equal_the_reference_rollout()
    {
        var model = VitFixture.Model();
        var input = VitFixture.Expected("input");
        var maps = model.AttentionProbabilities(input, out _, out _);
        var rollout = Reference.Value["rollout"].ToArray();
        var mask = Reference.Value["mask"].ToArray();
        for (int b = 0; b < 2; b++)
        {
            var r = AttentionRollout.Rollout(maps, b);
            for (int k = 0; k < r.Length; k++) Assert.Equal(rollout[b * 289 + k], r[k], 1e-5f);
            var m = model.MapAttention(input, b).Values;
            for (int k = 0; k < 16; k++) Assert.Equal(mask[b * 16 + k], m[k], 1e-5f);
            Assert.Equal(1f, m.Max(), 1e-6f);
        }
    }

    [Fact]
    public void Uniform_attention_gives_a_flat_map_and_rows_of_the_rollout_sum_to_one()
    {
        var model = new VisionTransformer(VitFixture.Small, seed: 3);
        foreach (var blk in model.Blocks) blk.Attn.Qkv.Weight.AsSpan().Clear(); // q = k = bias only: equal scores
        foreach (var blk in model.Blocks) blk.Attn.Qkv.Bias!.AsSpan().Clear();
        var x = Tensor.Randn(new Generator(2), 1, 3, 32, 32);
        var r = AttentionRollout.Rollout(model.AttentionProbabilities(x, out _, out _), 0);
        for (int i = 0; i < 17; i++) Assert.Equal(1f, r.Skip(i * 17).Take(17).Sum(), 1e-5f);
        Assert.All(model.MapAttention(x, 0).Values, v => Assert.Equal(1f, v, 1e-5f));
    }

    [Fact]
    public void Without_a_class_token_the_map_averages_all_token_rows()
    {
        var config = VitFixture.Small with { ClassToken = false, GlobalPool = "avg" };
        var model = new VisionTransformer(config, seed: 5);
        var x = Tensor.Randn(new Generator(4), 1, 3, 32, 32);
        var r = AttentionRollout.Rollout(model.AttentionProbabilities(x, out _, out _), 0);
        var m = model.MapAttention(x, 0).Values;
        var mean = Enumerable.Range(0, 16).Select(j => Enumerable.Range(0, 16).Average(i => r[i * 16 + j])).ToArray();
        for (int j = 0; j < 16; j++) Assert.Equal(mean[j] / mean.Max(), m[j], 1e-5);
    }
}
