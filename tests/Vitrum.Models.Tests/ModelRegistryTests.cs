using Vitrum.Models.Vit;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

public class ModelRegistryTests
{
    [Theory]
    [InlineData("vit_tiny_patch16_224", 16, 192, 12, 3)]
    [InlineData("vit_small_patch16_224", 16, 384, 12, 6)]
    [InlineData("vit_base_patch16_224", 16, 768, 12, 12)]
    [InlineData("vit_base_patch32_224", 32, 768, 12, 12)]
    [InlineData("deit_tiny_patch16_224", 16, 192, 12, 3)]
    [InlineData("deit_small_patch16_224", 16, 384, 12, 6)]
    public void Imagenet_presets_have_timm_arguments(string name, int patch, int dim, int depth, int heads)
    {
        var c = Assert.IsType<VitConfig>(ModelRegistry.Preset(name));
        Assert.Equal((224, 3, 1000, 4.0, true, "token"), (c.ImgSize, c.InChans, c.NumClasses, c.MlpRatio, c.QkvBias, c.GlobalPool));
        Assert.Equal((patch, dim, depth, heads), (c.PatchSize, c.EmbedDim, c.Depth, c.NumHeads));
    }

    [Theory]
    [InlineData("vit_tiny_patch16_224", 5_717_416L)]
    [InlineData("deit_small_patch16_224", 22_050_664L)]
    public void Preset_models_have_timm_parameter_counts(string name, long count)
    {
        Assert.Equal(count, ModelRegistry.Create(ModelRegistry.Preset(name)).ParameterCount());
    }

    [Fact]
    public void Mnist_preset_classifies_28x28_grayscale_into_10_classes()
    {
        Assert.Contains("vit_mnist", ModelRegistry.PresetNames);
        var model = Assert.IsType<VisionTransformer>(ModelRegistry.Create(ModelRegistry.Preset("vit_mnist")));
        Assert.Equal(49, model.Config.NumPatches);
        Assert.Equal(205_962, model.ParameterCount());
        using var _ = GradMode.NoGrad();
        Assert.Equal(new[] { 2, 10 }, model.Forward(Tensor.Zeros(2, 1, 28, 28)).Shape);
    }

    [Fact]
    public void Unknown_preset_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Preset("vit_huge_patch14_224"));
        Assert.Contains("vit_huge_patch14_224", e.Message);
        foreach (var n in ModelRegistry.PresetNames) Assert.Contains(n, e.Message);
    }

    [Fact]
    public void Json_config_with_family_vit_parses_with_timm_defaults_and_round_trips()
    {
        var c = Assert.IsType<VitConfig>(ModelRegistry.ParseJson("""{"family": "vit", "img_size": 28, "patch_size": 4, "in_chans": 1, "num_classes": 10, "embed_dim": 64, "depth": 4, "num_heads": 4, "global_pool": "avg", "class_token": false}"""));
        Assert.Equal((28, 4, 1, 10, 64, 4, 4, "avg", false), (c.ImgSize, c.PatchSize, c.InChans, c.NumClasses, c.EmbedDim, c.Depth, c.NumHeads, c.GlobalPool, c.ClassToken));
        Assert.Equal(4.0, c.MlpRatio);
        Assert.DoesNotContain("grid", c.ToJson(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(c, ModelRegistry.ParseJson(c.ToJson()));
        Assert.Equal(VitPresets.VitMnist, ModelRegistry.ParseJson(VitPresets.VitMnist.ToJson()));
    }

    [Theory]
    [InlineData("""{"img_size": 28}""", "no \"family\"")]
    [InlineData("""{"family": "convnext"}""", "unknown model family 'convnext' (one of: detr, resnet, swin, tnt, transformer, vit)")]
    [InlineData("""{"family": "vit", "embed_dimm": 64}""", "embed_dimm")]
    [InlineData("""{"family": "vit", "embed_dim": 64, "num_heads": 5}""", "embed_dim 64 must be divisible by num_heads 5")]
    [InlineData("""{"family": "vit", "img_size": 30}""", "img_size 30 must be a positive multiple of patch_size 16")]
    [InlineData("""{"family": "vit", "img_size": "big"}""", "invalid ViT config")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"family": """, "invalid JSON")]
    public void Bad_json_configs_are_rejected_naming_the_problem(string json, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.ParseJson(json, "my.json"));
        Assert.Contains("my.json", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Resolve_takes_a_preset_name_or_a_json_file()
    {
        Assert.Same(VitPresets.VitMnist, ModelRegistry.Resolve("vit_mnist"));
        var p = Path.Combine(Path.GetTempPath(), $"vitrum-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(p, VitPresets.VitMnist.ToJson());
        try { Assert.Equal(VitPresets.VitMnist, ModelRegistry.Resolve(p)); }
        finally { File.Delete(p); }
        Assert.Throws<FileNotFoundException>(() => ModelRegistry.Resolve(p));
        Assert.Throws<ArgumentException>(() => ModelRegistry.Resolve("no_such_model"));
    }
}
