using Vitrum.Models.Tnt;
using Vitrum.Nn.Optim;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>The TNT descriptor: timm's default cfg and no-weight-decay set, the grey preset's preprocessing and recipe.</summary>
public class TntFamilyTests
{
    [Fact]
    public void Timm_presets_take_timms_default_cfg()
    {
        var tnt = ModelRegistry.Build(TntPresets.TntSPatch16_224);
        Assert.Same(tnt.Module, tnt.Classifier);
        var cfg = tnt.Pretrained!;
        Assert.Equal((3, 224, 0.9, "bicubic"), (cfg.InChans, cfg.ImageSize, cfg.CropPct, cfg.Interpolation));
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, cfg.Mean);
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, cfg.Std);
        var grey = ModelRegistry.Build(TntPresets.TntMnist).Pretrained!;
        Assert.Equal((1, 28, 1.0), (grey.InChans, grey.ImageSize, grey.CropPct));
    }

    [Fact]
    public void Position_embeddings_and_class_token_get_no_weight_decay()
    {
        var tnt = ModelRegistry.Build(TntPresets.TntMnist);
        Assert.Equal(new[] { "cls_token", "patch_pos", "pixel_pos" }, tnt.NoWeightDecay.Order());
        var groups = ParamGroup.WeightDecaySplit(tnt.Module, 1e-3, 0.05, tnt.NoWeightDecay);
        var noDecay = groups.Single(g => g.WeightDecay == 0).Params;
        var parameters = tnt.Module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.All(tnt.NoWeightDecay, n => Assert.Contains(noDecay, t => ReferenceEquals(t, parameters[n])));
        Assert.DoesNotContain(noDecay, t => ReferenceEquals(t, parameters["blocks.0.proj.weight"]));
    }

    [Fact]
    public void Grey_preset_has_a_fashion_mnist_recipe_and_others_the_defaults()
    {
        var recipe = ModelRegistry.Recipe("tnt_mnist", TntPresets.TntMnist, "fashion-mnist");
        Assert.NotEqual(new TrainingRecipe(), recipe);
        Assert.Equal(new TrainingRecipe(), ModelRegistry.Recipe("tnt_s_patch16_224", TntPresets.TntSPatch16_224, "fashion-mnist"));
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_and_another_seed_others()
    {
        var a = ModelRegistry.Create(TntPresets.TntMnist, 3).StateDict();
        var b = ModelRegistry.Create(TntPresets.TntMnist, 3).StateDict();
        var c = ModelRegistry.Create(TntPresets.TntMnist, 4).StateDict();
        Assert.All(a, kv => Assert.Equal(kv.Value.ToArray(), b[kv.Key].ToArray()));
        Assert.NotEqual(a["blocks.0.attn_in.qk.weight"].ToArray(), c["blocks.0.attn_in.qk.weight"].ToArray());
    }
}
