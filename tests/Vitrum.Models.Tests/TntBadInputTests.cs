using Vitrum.Models.Tnt;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

public class TntBadInputTests
{
    [Theory]
    [InlineData("\"embed_dim\": 30, \"num_heads_outer\": 4", "embed_dim 30 must be divisible by num_heads_outer 4")]
    [InlineData("\"inner_dim\": 8, \"num_heads_inner\": 3", "inner_dim 8 must be divisible by num_heads_inner 3")]
    [InlineData("\"img_size\": 30, \"patch_size\": 8", "img_size 30 must be a positive multiple of patch_size 8")]
    [InlineData("\"first_stride\": 0", "first_stride must be positive")]
    [InlineData("\"global_pool\": \"max\"", "global_pool is 'max'")]
    [InlineData("\"drop_path_rate\": 1.0", "drop_path_rate must be in [0, 1)")]
    [InlineData("\"img_size\": 24, \"patch_size\": 8, \"first_stride\": 3, \"legacy\": true", "legacy: the stride-3 convolution of a 24x24 image gives 8x8 pixels, 2x2 windows of 3x3, not the 3x3 patches")]
    public void Inconsistent_config_is_rejected_naming_the_fields(string fields, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.ParseJson($"{{\"family\": \"tnt\", {fields}}}", "cfg.json"));
        Assert.StartsWith("cfg.json: TNT config: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Unknown_config_field_is_rejected_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.ParseJson("{\"family\": \"tnt\", \"num_heads\": 4}", "cfg.json"));
        Assert.Contains("cfg.json: invalid TNT config", e.Message);
        Assert.Contains("num_heads", e.Message);
    }

    [Fact]
    public void Same_geometry_is_accepted_in_the_current_layout()
    {
        var config = (TntConfig)ModelRegistry.ParseJson("{\"family\": \"tnt\", \"img_size\": 24, \"patch_size\": 8, \"first_stride\": 3}");
        Assert.Equal((3, 9), (config.PixelSide, config.NumPixels));
    }

    [Fact]
    public void Wrong_channel_count_or_rank_is_rejected_with_the_expected_layout()
    {
        var model = new TransformerInTransformer(TntFixture.Small);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 1, 24, 24)));
        Assert.Contains("[2, 1, 24, 24]", e.Message);
        Assert.Contains("[B, 3, 24, 24]", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(3, 24, 24)));
        Assert.Contains("[3, 24, 24]", e.Message);
    }

    [Fact]
    public void Image_of_another_size_is_rejected_naming_both_sizes()
    {
        var model = new TransformerInTransformer(TntFixture.Small);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(1, 3, 32, 24)));
        Assert.Contains("32x24", e.Message);
        Assert.Contains("img_size 24x24", e.Message);
    }

    [Fact]
    public void Checkpoint_of_another_tnt_names_the_model_and_the_mismatch_and_leaves_weights_untouched()
    {
        var instance = ModelRegistry.Build(TntFixture.Small with { NumClasses = 7 });
        var before = ((TransformerInTransformer)instance.Module).PatchPos.ToArray();
        var e = Assert.Throws<ArgumentException>(() => instance.LoadWeights(StateDictFile.Load(TntFixture.CurrentCheckpoint), "small_current.safetensors"));
        Assert.Contains("small_current.safetensors is not a checkpoint of this TNT (embed_dim 32, inner_dim 8", e.Message);
        Assert.Contains("head.weight: checkpoint [5, 32] vs model [7, 32]", e.Message);
        Assert.Equal(before, ((TransformerInTransformer)instance.Module).PatchPos.ToArray());
        e = Assert.Throws<ArgumentException>(() => instance.LoadWeights(StateDictFile.Load(TntFixture.LegacyCheckpoint), "small_legacy.safetensors"));
        Assert.Contains("small_legacy.safetensors is not a checkpoint of this TNT", e.Message);
        Assert.Contains("\"legacy\": true", e.Message);
    }
}
