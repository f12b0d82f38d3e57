using Vitrum.Models.Swin;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

public class SwinRegistryTests
{
    [Theory]
    [InlineData("swin_tiny_patch4_window7_224", 96, new[] { 2, 2, 6, 2 }, new[] { 3, 6, 12, 24 })]
    [InlineData("swin_small_patch4_window7_224", 96, new[] { 2, 2, 18, 2 }, new[] { 3, 6, 12, 24 })]
    [InlineData("swin_base_patch4_window7_224", 128, new[] { 2, 2, 18, 2 }, new[] { 4, 8, 16, 32 })]
    public void Imagenet_presets_have_timm_arguments(string name, int dim, int[] depths, int[] heads)
    {
        var c = Assert.IsType<SwinConfig>(ModelRegistry.Preset(name));
        Assert.Equal((224, 4, 3, 1000, 7, 4.0, true, 0.1), (c.ImgSize, c.PatchSize, c.InChans, c.NumClasses, c.WindowSize, c.MlpRatio, c.QkvBias, c.DropPathRate));
        Assert.Equal(dim, c.EmbedDim);
        Assert.Equal(depths, c.Depths);
        Assert.Equal(heads, c.NumHeads);
    }

    [Fact]
    public void Mnist_preset_classifies_28x28_grayscale_into_10_classes()
    {
        var model = Assert.IsType<SwinTransformer>(ModelRegistry.Create(ModelRegistry.Preset("swin_mnist")));
        // 4x4 patches: one 7x7 window over the map; merged (padded to 8x8) to 4x4, where the window shrinks to the map.
        Assert.Equal(new[] { 7, 4 }, model.Layers.Select(s => s.Blocks[0].Window));
        Assert.Equal(438_378, model.ParameterCount());
        using var _ = GradMode.NoGrad();
        Assert.Equal(new[] { 2, 10 }, model.Forward(Tensor.Zeros(2, 1, 28, 28)).Shape);
    }

    [Fact]
    public void Json_config_with_family_swin_parses_with_timm_defaults_and_round_trips()
    {
        var c = Assert.IsType<SwinConfig>(ModelRegistry.ParseJson("""{"family": "swin", "img_size": 28, "patch_size": 2, "in_chans": 1, "num_classes": 10, "embed_dim": 32, "depths": [2, 4], "num_heads": [2, 4]}"""));
        Assert.Equal((28, 2, 1, 10, 32, 7, 4.0, 0.1), (c.ImgSize, c.PatchSize, c.InChans, c.NumClasses, c.EmbedDim, c.WindowSize, c.MlpRatio, c.DropPathRate));
        Assert.Equal(new[] { 2, 4 }, c.Depths);
        Assert.Equal(c, ModelRegistry.ParseJson(c.ToJson()));
        Assert.NotEqual(c, c with { Depths = new[] { 2, 5 } });
        Assert.Equal(SwinPresets.SwinMnist, ModelRegistry.ParseJson(SwinPresets.SwinMnist.ToJson()));
        Assert.Contains("\"depths\":[4,2]", SwinPresets.SwinMnist.ToJson());
    }
}
