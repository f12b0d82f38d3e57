using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>
/// A checkpoint that does not fit its model is refused in one short line that says why: another family's names
/// (timm's, torchvision's), a wrapper the filters do not remove, another depth or another class count, with the
/// first keys of each list rather than all of them.
/// </summary>
public class CheckpointCauseTests
{
    private static string Refusal(IModelConfig config, IReadOnlyDictionary<string, Tensor> checkpoint, string name = "ckpt.pth") =>
        Assert.Throws<ArgumentException>(() => ModelRegistry.Build(config, seed: 1).LoadWeights(checkpoint, name)).Message;

    [Theory]
    [InlineData("small_torchvision.safetensors", "torchvision's Swin names: a Swin checkpoint")]
    [InlineData("small_timm.safetensors", "timm's Swin names: a Swin checkpoint")]
    public void A_swin_checkpoint_for_a_vit_names_the_layout_it_looks_like(string fixture, string cause)
    {
        var message = Refusal(VitFixture.Small, StateDictFile.Load(SwinFixture.Path(fixture)), fixture);
        Assert.StartsWith($"{fixture} is not a checkpoint of this ViT", message);
        Assert.Contains($"Likely cause: the unexpected keys look like {cause}", message);
        Assert.DoesNotContain('\n', message);
        Assert.True(message.Length < 1000, $"{message.Length} characters");
    }

    [Fact]
    public void A_vit_checkpoint_for_a_swin_names_timms_vit_layout()
    {
        var message = Refusal(SwinFixture.Small, StateDictFile.Load(VitFixture.TimmCheckpoint));
        Assert.Contains("Likely cause: the unexpected keys look like timm's ViT/DeiT names: a ViT checkpoint", message);
    }

    [Fact]
    public void A_torchvision_vit_checkpoint_for_a_tnt_names_torchvisions_vit_layout()
    {
        var message = Refusal(TntFixture.Small, StateDictFile.Load(VitFixture.TorchvisionCheckpoint));
        Assert.Contains("Likely cause: the unexpected keys look like torchvision's ViT names: a ViT checkpoint", message);
    }

    [Fact]
    public void A_checkpoint_wrapped_in_an_entry_the_filter_does_not_open_names_the_entry()
    {
        var wrapped = StateDictFile.Load(VitFixture.TimmCheckpoint).ToDictionary(kv => "model_ema." + kv.Key, kv => kv.Value);
        var message = Refusal(VitFixture.Small, wrapped);
        Assert.Contains("Likely cause: the file holds a 'model_ema' entry", message);
    }

    [Fact]
    public void A_shallower_checkpoint_of_the_same_family_is_named_as_another_depth()
    {
        var message = Refusal(VitFixture.Small with { Depth = 3 }, StateDictFile.Load(VitFixture.TimmCheckpoint));
        Assert.Contains("missing keys: blocks.2.norm1.weight", message);
        Assert.Contains("Likely cause: another depth: the checkpoint has 2 'blocks', the model 3", message);
    }

    [Fact]
    public void A_checkpoint_for_another_class_count_names_both_counts()
    {
        var message = Refusal(VitFixture.Small with { NumClasses = 100 }, StateDictFile.Load(VitFixture.TimmCheckpoint));
        Assert.Contains("Likely cause: only 'head' differs: 10 outputs in the checkpoint, 100 in the model", message);
    }

    [Fact]
    public void A_full_size_swin_for_a_full_size_vit_stays_short()
    {
        var message = Assert.Throws<ArgumentException>(() =>
        {
            ModelInstance model;
            using (Vitrum.Nn.Init.Skip()) model = ModelRegistry.Build(VitPresets.VitTinyPatch16_224);
            model.LoadWeights(SwinFixture.SwinTiny.Value.StateDict(), "swin_t.safetensors");
        }).Message;
        Assert.True(message.Length < 1000, $"{message.Length} characters: {message}");
        Assert.Matches(@"missing keys: (\S+, ){4}\S+ and \d+ more", message);
        Assert.Contains("timm's Swin names", message);
    }
}
