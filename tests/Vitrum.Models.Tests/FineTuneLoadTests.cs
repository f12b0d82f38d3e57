using Vitrum.Models.Swin;
using Vitrum.Models.Transformer;
using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>
/// <see cref="ModelInstance.LoadPretrained"/>: weights of another image size and class count go into a model built
/// for the fine-tuning run, position embeddings and Swin's relative position tables resampled as timm does (torch
/// references), the classifier re-initialised only when its shape differs, everything else copied exactly.
/// </summary>
public class FineTuneLoadTests
{
    private static string Finetune(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "finetune", name);

    [Fact]
    public void A_torchvision_vit_loads_into_a_larger_image_size_with_pos_embed_resampled_as_timm_and_a_new_head()
    {
        var model = ModelRegistry.Build(VitFixture.Small with { ImgSize = 48, NumClasses = 3 }, seed: 5);
        var freshHead = model.Module.StateDict()["head.weight"].ToArray();

        var loaded = model.LoadPretrained(StateDictFile.Load(VitFixture.TorchvisionCheckpoint), "small_torchvision.pth");

        Assert.Equal(new PretrainedLoad(10, 3, HeadReinitialised: true), loaded);
        Assert.Equal("head: 10 -> 3 classes, re-initialised", loaded.HeadLine);
        var state = model.Module.StateDict();
        // torch 1.13's F.interpolate(bicubic, align_corners=False, antialias=True) of the 4x4 grid to 6x6, the class token kept.
        Agreement.Check(VitFixture.Expected("pos_embed_6x6"), state["pos_embed"], 1e-6, "pos_embed");
        Assert.Equal(freshHead, state["head.weight"].ToArray());
        var timm = StateDictFile.Load(VitFixture.TimmCheckpoint);
        foreach (var key in new[] { "cls_token", "patch_embed.proj.weight", "blocks.1.attn.qkv.weight", "norm.bias" })
            Assert.Equal(timm[key].ToArray(), state[key].ToArray());
    }

    [Fact]
    public void A_wrapped_checkpoint_with_the_run_s_class_count_keeps_its_head()
    {
        var model = ModelRegistry.Build(VitFixture.Small, seed: 5);

        var loaded = model.LoadPretrained(PthFile.Load(Finetune("vit_small_deit_wrapped.pth")), "vit_small_deit_wrapped.pth");

        Assert.False(loaded.HeadReinitialised);
        Assert.Equal((10, 10), (loaded.CheckpointClasses, loaded.ModelClasses));
        Assert.Equal(StateDictFile.Load(VitFixture.TimmCheckpoint)["head.weight"].ToArray(), model.Module.StateDict()["head.weight"].ToArray());
    }

    [Fact]
    public void A_checkpoint_of_another_width_is_refused_naming_the_file_the_model_and_the_keys()
    {
        var model = ModelRegistry.Build(VitFixture.Small with { EmbedDim = 24, NumClasses = 3 });
        var before = model.Module.StateDict()["pos_embed"].ToArray();

        var e = Assert.Throws<ArgumentException>(() => model.LoadPretrained(StateDictFile.Load(VitFixture.TimmCheckpoint), "small_timm.safetensors"));

        Assert.Contains("small_timm.safetensors is not a checkpoint of this ViT (embed_dim 24", e.Message);
        Assert.Contains("patch_embed.proj.weight", e.Message);
        Assert.Equal(before, model.Module.StateDict()["pos_embed"].ToArray());
    }

    [Theory]
    [InlineData("img12", 12, 4)]
    [InlineData("window6", 26, 6)]
    public void Swin_relative_position_tables_are_resized_to_the_run_s_windows_as_timm_s_simple_bicubic_resize(string fixtureCase, int imgSize, int window)
    {
        var config = SwinFixture.Small with { ImgSize = imgSize, WindowSize = window, NumClasses = 3 };
        var model = ModelRegistry.Build(config, seed: 2);
        var expected = StateDictFile.Load(Finetune("swin_tables.safetensors"));

        var loaded = model.LoadPretrained(StateDictFile.Load(SwinFixture.TorchvisionCheckpoint), "small_torchvision.safetensors");

        Assert.Equal(new PretrainedLoad(10, 3, true), loaded);
        var state = model.Module.StateDict();
        var tables = state.Keys.Where(k => k.EndsWith("relative_position_bias_table", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, tables.Count);
        Assert.Contains(tables, k => state[k].Shape[0] != 49);
        foreach (var key in tables)
            Agreement.Check(expected[$"{fixtureCase}/{key}"], state[key], 1e-5, key);
    }

    /// <summary>TNT's patch_pos follows the image grid (resampled as ViT's); pixel_pos lies within a patch, so it is copied as it is.</summary>
    [Fact]
    public void A_tnt_checkpoint_loads_into_a_larger_image_size_with_patch_pos_resampled_and_pixel_pos_kept()
    {
        var model = ModelRegistry.Build(TntFixture.Small with { ImgSize = 40, NumClasses = 2 }, seed: 4);
        var checkpoint = StateDictFile.Load(TntFixture.CurrentCheckpoint);

        var loaded = model.LoadPretrained(checkpoint, "small_current.safetensors");

        Assert.Equal(new PretrainedLoad(5, 2, true), loaded);
        var state = model.Module.StateDict();
        Assert.Equal(new[] { 1, 26, 32 }, state["patch_pos"].Shape);
        Assert.Equal(PosEmbedResample.Resample(checkpoint["patch_pos"], 1, 5, 5).ToArray(), state["patch_pos"].ToArray());
        Assert.Equal(checkpoint["pixel_pos"].ToArray(), state["pixel_pos"].ToArray());
    }

    [Fact]
    public void A_swin_table_that_is_not_a_square_of_odd_side_is_refused_with_its_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => SwinCheckpointFilter.ResizeTable(Tensor.Zeros(48, 2), 3, "layers.0.blocks.0.attn.relative_position_bias_table"));
        Assert.Contains("layers.0.blocks.0.attn.relative_position_bias_table [48, 2]", e.Message);
    }

    [Fact]
    public void Image_families_resize_their_configs_and_a_transformer_has_no_head_or_layers()
    {
        foreach (var name in new[] { "vit_tiny_patch16_224", "swin_tiny_patch4_window7_224", "tnt_s_patch16_224" })
        {
            var config = ModelRegistry.Preset(name);
            var family = ModelRegistry.Family(config);
            var sized = family.WithImageSize(family.WithClasses(config, 3), 112);
            Assert.Equal((3, 112), (family.Pretrained(sized)!.NumClasses, family.Pretrained(sized)!.ImageSize));
            Assert.NotNull(family.Classifier(sized));
        }
        Assert.Contains("img_size 100 must be a positive multiple of patch_size 16",
            Assert.Throws<ArgumentException>(() => VitFamily.Instance.WithImageSize(VitPresets.VitTinyPatch16_224, 100)).Message);
        var g2p = ModelRegistry.Build(TransformerPresets.G2pTransformer);
        Assert.Throws<ArgumentException>(() => g2p.Family.WithClasses(g2p.Config, 3));
        Assert.Null(g2p.Family.Classifier(g2p.Config));
        Assert.Contains("does not define", Assert.Throws<ArgumentException>(() => g2p.ParamGroups(1e-3, 0.05, 0.75)).Message);
    }
}
