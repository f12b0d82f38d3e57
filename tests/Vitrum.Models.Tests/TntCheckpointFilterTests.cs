using Vitrum.Models.Tnt;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

public class TntCheckpointFilterTests
{
    [Fact]
    public void Official_names_become_timms_with_inner_pos_as_a_grid_and_outer_tokens_dropped()
    {
        var official = StateDictFile.Load(TntFixture.OfficialCheckpoint);
        Assert.True(TntCheckpointFilter.IsOfficial(official));
        Assert.Equal(new[] { 1, 16, 8 }, official["inner_pos"].Shape);
        var mapped = TntCheckpointFilter.Apply(official, TntFixture.Small);
        var timm = StateDictFile.Load(TntFixture.CurrentCheckpoint);
        Assert.Equal(timm.Keys.Order(), mapped.Keys.Order());
        foreach (var (k, v) in timm)
        {
            Assert.Equal(v.Shape, mapped[k].Shape);
            Assert.Equal(v.ToArray(), mapped[k].ToArray());
        }
        Assert.Equal(new[] { 1, 16, 8 }, official["inner_pos"].Shape);
    }

    [Theory]
    [InlineData("blocks.3.inner_attn.qk.weight", "blocks.3.attn_in.qk.weight")]
    [InlineData("blocks.0.inner_norm2.bias", "blocks.0.norm_mlp_in.bias")]
    [InlineData("blocks.0.inner_mlp.fc2.weight", "blocks.0.mlp_in.fc2.weight")]
    [InlineData("blocks.1.proj_norm1.weight", "blocks.1.norm1_proj.weight")]
    [InlineData("blocks.11.outer_norm1.weight", "blocks.11.norm_out.weight")]
    [InlineData("blocks.2.outer_mlp.fc1.bias", "blocks.2.mlp.fc1.bias")]
    [InlineData("patch_embed.proj.weight", "pixel_embed.proj.weight")]
    [InlineData("outer_pos", "patch_pos")]
    [InlineData("head.weight", "head.weight")]
    [InlineData("blocks.0.se_layer.fc.weight", "blocks.0.se_layer.fc.weight")]
    public void Official_names_map_to_timm_names_and_others_are_kept(string official, string timm)
    {
        Assert.Equal(timm, TntCheckpointFilter.OfficialToTimm(official));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Timm_layouts_pass_through_with_the_same_tensors(bool legacy)
    {
        var state = StateDictFile.Load(legacy ? TntFixture.LegacyCheckpoint : TntFixture.CurrentCheckpoint);
        Assert.False(TntCheckpointFilter.IsOfficial(state));
        Assert.Equal(legacy, TntCheckpointFilter.IsLegacyLayout(state));
        var filtered = TntCheckpointFilter.Apply(state, legacy ? TntFixture.SmallLegacy : TntFixture.Small);
        Assert.Equal(state.Keys, filtered.Keys);
        Assert.All(state, kv => Assert.Same(kv.Value, filtered[kv.Key]));
    }

    [Fact]
    public void Legacy_checkpoint_for_a_current_config_is_refused_naming_the_legacy_setting()
    {
        var legacy = StateDictFile.Load(TntFixture.LegacyCheckpoint);
        var e = Assert.Throws<ArgumentException>(() => TntCheckpointFilter.Apply(legacy, TntFixture.Small));
        Assert.Contains("legacy layout", e.Message);
        Assert.Contains("\"legacy\": true", e.Message);
        var current = StateDictFile.Load(TntFixture.OfficialCheckpoint);
        e = Assert.Throws<ArgumentException>(() => TntCheckpointFilter.Apply(current, TntFixture.SmallLegacy));
        Assert.Contains("\"legacy\": false", e.Message);
    }

    [Fact]
    public void Wrapped_training_checkpoint_is_unwrapped_and_other_entries_dropped()
    {
        var state = StateDictFile.Load(TntFixture.OfficialCheckpoint);
        var wrapped = state.ToDictionary(kv => "state_dict.module." + kv.Key, kv => kv.Value);
        wrapped["optimizer.state.0.exp_avg"] = Tensor.Zeros(3);
        var filtered = TntCheckpointFilter.Apply(wrapped, TntFixture.Small);
        Assert.Equal(new TransformerInTransformer(TntFixture.Small).StateDict().Keys.Order(), filtered.Keys.Order());
    }

    [Fact]
    public void Unknown_keys_pass_through_unchanged()
    {
        var state = StateDictFile.Load(TntFixture.CurrentCheckpoint);
        state["extra.weight"] = Tensor.Zeros(2);
        Assert.Same(state["extra.weight"], TntCheckpointFilter.Apply(state, TntFixture.Small)["extra.weight"]);
        var other = new Dictionary<string, Tensor> { ["patch_embed.proj.weight"] = Tensor.Zeros(1), ["pos_embed"] = Tensor.Zeros(1) };
        Assert.Equal(other.Keys, TntCheckpointFilter.Apply(other, TntFixture.Small).Keys);
    }

    [Fact]
    public void Patch_position_embedding_of_another_grid_is_resampled_to_the_config()
    {
        var state = StateDictFile.Load(TntFixture.CurrentCheckpoint);
        var filtered = TntCheckpointFilter.Apply(state, TntFixture.Small with { ImgSize = 40 });
        Assert.Equal(new[] { 1, 26, 32 }, filtered["patch_pos"].Shape);
        Assert.Equal(state["patch_pos"].Narrow(1, 0, 1).ToArray(), filtered["patch_pos"].Narrow(1, 0, 1).ToArray());
        Assert.Equal(Vitrum.Models.Vit.PosEmbedResample.Resample(state["patch_pos"], 1, 5, 5).ToArray(), filtered["patch_pos"].ToArray());
        Assert.Equal(new[] { 1, 10, 32 }, state["patch_pos"].Shape);
    }

    [Fact]
    public void Patch_position_embedding_without_a_square_grid_cannot_be_fitted()
    {
        var state = StateDictFile.Load(TntFixture.CurrentCheckpoint);
        state["patch_pos"] = Tensor.Zeros(1, 1 + 12, 32);
        var e = Assert.Throws<ArgumentException>(() => TntCheckpointFilter.Apply(state, TntFixture.Small));
        Assert.Contains("patch_pos [1, 13, 32]", e.Message);
        Assert.Contains("3x3", e.Message);
    }
}
