using Vitrum.Models.Swin;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

public class SwinBadInputTests
{
    private static string FixtureIo(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "io", name);

    [Fact]
    public void Wrong_channel_count_is_rejected_with_the_expected_layout()
    {
        var model = new SwinTransformer(SwinFixture.Small);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 1, 26, 26)));
        Assert.Contains("[2, 1, 26, 26]", e.Message);
        Assert.Contains("[B, 3, H, W]", e.Message);
        Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(3, 26, 26)));
    }

    [Fact]
    public void Image_size_not_a_multiple_of_the_patch_is_rejected()
    {
        var model = new SwinTransformer(SwinFixture.Small);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(1, 3, 26, 27)));
        Assert.Contains("26x27", e.Message);
        Assert.Contains("patch size 2", e.Message);
    }

    [Theory]
    [InlineData("""{"family": "swin", "img_size": 30}""", "img_size 30 must be a positive multiple of patch_size 4")]
    [InlineData("""{"family": "swin", "depths": [2, 2], "num_heads": [3, 6, 12]}""", "num_heads [3, 6, 12] must have one entry per stage of depths [2, 2]")]
    [InlineData("""{"family": "swin", "embed_dim": 32, "depths": [2, 2], "num_heads": [3, 6]}""", "stage 0 has 32 channels")]
    [InlineData("""{"family": "swin", "depths": [], "num_heads": []}""", "depths must list at least one positive block count")]
    [InlineData("""{"family": "swin", "depths": null}""", "depths must list")]
    [InlineData("""{"family": "swin", "window_size": 0}""", "window_size must be positive")]
    [InlineData("""{"family": "swin", "drop_path_rate": 1}""", "drop_path_rate must be in [0, 1)")]
    [InlineData("""{"family": "swin", "depth": 12}""", "depth")]
    [InlineData("""{"family": "swin", "depths": "2,2"}""", "invalid Swin config")]
    public void Bad_json_configs_are_rejected_naming_the_problem(string json, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.ParseJson(json, "swin.json"));
        Assert.Contains("swin.json", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Checkpoint_of_another_architecture_lists_the_unexpected_and_missing_keys()
    {
        var model = new SwinTransformer(SwinFixture.Small);
        var e = Assert.Throws<ArgumentException>(() => SwinWeights.Load(model, FixtureIo("state_dict.pth")));
        Assert.Contains("state_dict.pth is not a checkpoint of this Swin", e.Message);
        Assert.Contains("unexpected keys: linear.weight", e.Message);
        Assert.Contains("missing keys: patch_embed.proj.weight", e.Message);
    }

    /// <summary>A checkpoint of another window loads with its tables resized (values: FineTuneLoadTests); a table no window fits is refused.</summary>
    [Fact]
    public void Checkpoint_with_another_window_loads_resized_but_a_table_of_no_window_is_refused_leaving_the_model_untouched()
    {
        var model = new SwinTransformer(SwinFixture.Small with { WindowSize = 3 });
        SwinWeights.Load(model, SwinFixture.TorchvisionCheckpoint);
        Assert.Equal(new[] { 25, 2 }, model.StateDict()["layers.0.blocks.0.attn.relative_position_bias_table"].Shape);

        var fresh = new SwinTransformer(SwinFixture.Small with { WindowSize = 3 });
        var before = fresh.PatchProj.Weight.ToArray();
        var bad = Vitrum.Nn.IO.StateDictFile.Load(SwinFixture.TimmCheckpoint);
        bad["layers.0.blocks.0.attn.relative_position_bias_table"] = Tensor.Zeros(48, 2);
        var e = Assert.Throws<ArgumentException>(() => new ModelInstance(SwinFamily.Instance, fresh.Config, fresh).LoadWeights(bad, "bad.safetensors"));
        Assert.Contains("layers.0.blocks.0.attn.relative_position_bias_table [48, 2] is not [(2w-1)^2, heads]", e.Message);
        Assert.Equal(before, fresh.PatchProj.Weight.ToArray());
    }
}
