using Vitrum.Models.Swin;
using Vitrum.Models.Tnt;
using Vitrum.Models.Vit;
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>The attention map capability of every image family: a grid of values up to 1 that leaves the model's forward alone.</summary>
public class AttentionMapTests
{
    /// <summary>A small model of each image family, the image size it takes and its map's grid.</summary>
    private static (Module<Tensor, Tensor> Model, int Size, int Grid) Small(string family) => family switch
    {
        "vit" => (new VisionTransformer(VitFixture.Small, seed: 1), 32, 4),
        "swin" => (new SwinTransformer(SwinAttentionMapTests.Tiny, seed: 1), 32, 8),
        "tnt" => (new TransformerInTransformer(TntFixture.Small, seed: 1), 24, 3),
        _ => throw new ArgumentException(family),
    };

    [Theory]
    [InlineData("vit")]
    [InlineData("swin")]
    [InlineData("tnt")]
    public void Computing_a_map_leaves_the_logits_unchanged_and_gives_a_grid_scaled_to_one(string family)
    {
        var (model, size, grid) = Small(family);
        model.Eval();
        var x = Tensor.Randn(new Generator(3), 2, 3, size, size);
        float[] Logits() { using var _ = GradMode.NoGrad(); return model.Forward(x).ToArray(); }
        var before = Logits();
        var map = ((IAttentionMap)model).MapAttention(x, 1);
        Assert.Equal(before, Logits());
        Assert.Equal((grid, grid, grid * grid), (map.Rows, map.Cols, map.Values.Length));
        Assert.Equal(1f, map.Values.Max());
        Assert.All(map.Values, v => Assert.InRange(v, 0f, 1f));
    }

    [Theory]
    [InlineData("vit")]
    [InlineData("swin")]
    [InlineData("tnt")]
    public void An_image_index_outside_the_batch_is_refused_naming_the_batch_size(string family)
    {
        var (model, size, _) = Small(family);
        var x = Tensor.Randn(new Generator(3), 2, 3, size, size);
        var e = Assert.Throws<ArgumentException>(() => ((IAttentionMap)model).MapAttention(x, 2));
        Assert.Contains("image 2 of a batch of 2", e.Message);
    }

    [Fact]
    public void Scaled_divides_by_the_maximum_and_checks_the_grid()
    {
        var map = AttentionMap.Scaled(new[] { 1f, 4f, 2f, 0f }, 2, 2, "k", "d");
        Assert.Equal(new[] { 0.25f, 1f, 0.5f, 0f }, map.Values);
        Assert.Contains("3 values for a 2x2 grid", Assert.Throws<ArgumentException>(() => AttentionMap.Scaled(new float[3], 2, 2, "k", "d")).Message);
    }
}
