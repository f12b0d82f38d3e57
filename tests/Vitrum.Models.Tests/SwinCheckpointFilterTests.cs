using Vitrum.Models.Swin;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

public class SwinCheckpointFilterTests
{
    private static Dictionary<string, Tensor> Torchvision() => StateDictFile.Load(SwinFixture.TorchvisionCheckpoint);

    [Fact]
    public void Torchvision_keys_become_the_timm_keys_written_by_pytorch_without_the_index_buffers()
    {
        var tv = Torchvision();
        Assert.True(SwinCheckpointFilter.IsTorchvision(tv));
        Assert.Equal(6, tv.Keys.Count(k => k.EndsWith("relative_position_index", StringComparison.Ordinal)));
        var mapped = SwinCheckpointFilter.Apply(tv);
        using var timm = SafetensorsFile.Open(SwinFixture.TimmCheckpoint);
        Assert.Equal(timm.Entries.Select(e => e.Name).Order(), mapped.Keys.Order());
        foreach (var e in timm.Entries) Assert.Equal(timm.Load(e.Name).ToArray(), mapped[e.Name].ToArray());
    }

    [Fact]
    public void Timm_layout_passes_through_with_the_same_tensors()
    {
        var state = new SwinTransformer(SwinFixture.Small).StateDict();
        var filtered = SwinCheckpointFilter.Apply(state);
        Assert.False(SwinCheckpointFilter.IsTorchvision(state));
        Assert.False(SwinCheckpointFilter.IsOldTimm(state));
        Assert.Equal(state.Keys, filtered.Keys);
        Assert.All(state, kv => Assert.Same(kv.Value, filtered[kv.Key]));
    }

    [Fact]
    public void Headless_timm_checkpoint_is_not_mistaken_for_the_old_layout()
    {
        var state = new SwinTransformer(SwinFixture.Small with { NumClasses = 0 }).StateDict();
        Assert.False(SwinCheckpointFilter.IsOldTimm(state));
        Assert.Equal(state.Keys.Order(), SwinCheckpointFilter.Apply(state).Keys.Order());
    }

    [Fact]
    public void Old_timm_layout_with_merging_at_the_end_of_stages_and_its_buffers_becomes_the_current_one()
    {
        var current = new SwinTransformer(SwinFixture.Small).StateDict();
        // timm < 0.9 and the original code: layers.N.downsample for N = 0..S-2, "head", persistent index and mask buffers.
        var old = current.ToDictionary(kv => kv.Key switch
        {
            var k when k.StartsWith("layers.1.downsample.", StringComparison.Ordinal) => "layers.0" + k["layers.1".Length..],
            var k when k.StartsWith("layers.2.downsample.", StringComparison.Ordinal) => "layers.1" + k["layers.2".Length..],
            var k when k.StartsWith("head.fc.", StringComparison.Ordinal) => "head." + k["head.fc.".Length..],
            var k => k,
        }, kv => kv.Value);
        old["layers.0.blocks.1.attn_mask"] = Tensor.Zeros(16, 16, 16);
        old["layers.0.blocks.1.attn.relative_position_index"] = SwinWindows.RelativePositionIndex(4);
        Assert.True(SwinCheckpointFilter.IsOldTimm(old));
        var filtered = SwinCheckpointFilter.Apply(old);
        Assert.Equal(current.Keys.Order(), filtered.Keys.Order());
        Assert.All(current, kv => Assert.Same(kv.Value, filtered[kv.Key]));
    }

    [Theory]
    [InlineData("features.0.0.weight", "patch_embed.proj.weight")]
    [InlineData("features.0.2.bias", "patch_embed.norm.bias")]
    [InlineData("features.1.0.norm1.weight", "layers.0.blocks.0.norm1.weight")]
    [InlineData("features.5.5.attn.qkv.weight", "layers.2.blocks.5.attn.qkv.weight")]
    [InlineData("features.7.1.attn.relative_position_bias_table", "layers.3.blocks.1.attn.relative_position_bias_table")]
    [InlineData("features.3.1.mlp.0.bias", "layers.1.blocks.1.mlp.fc1.bias")]
    [InlineData("features.3.1.mlp.3.weight", "layers.1.blocks.1.mlp.fc2.weight")]
    [InlineData("features.2.reduction.weight", "layers.1.downsample.reduction.weight")]
    [InlineData("features.6.norm.weight", "layers.3.downsample.norm.weight")]
    [InlineData("norm.weight", "norm.weight")]
    [InlineData("head.bias", "head.fc.bias")]
    [InlineData("features.0.1.weight", "features.0.1.weight")]
    [InlineData("features.3.extra", "features.3.extra")]
    [InlineData("classifier.weight", "classifier.weight")]
    public void Torchvision_names_map_to_timm_names_and_unknown_ones_are_kept(string torchvision, string timm)
    {
        Assert.Equal(timm, SwinCheckpointFilter.TorchvisionToTimm(torchvision));
    }

    [Theory]
    [InlineData("layers.0.downsample.reduction.weight", "layers.1.downsample.reduction.weight")]
    [InlineData("layers.2.downsample.norm.bias", "layers.3.downsample.norm.bias")]
    [InlineData("head.weight", "head.fc.weight")]
    [InlineData("head.fc.weight", "head.fc.weight")]
    [InlineData("layers.1.blocks.0.mlp.fc1.weight", "layers.1.blocks.0.mlp.fc1.weight")]
    public void Old_timm_names_map_to_current_names(string old, string current)
    {
        Assert.Equal(current, SwinCheckpointFilter.OldTimmToTimm(old));
    }

    [Fact]
    public void Wrapped_training_checkpoint_is_unwrapped_and_other_entries_dropped()
    {
        var model = new SwinTransformer(SwinFixture.Small);
        var wrapped = Torchvision().ToDictionary(kv => "model." + kv.Key, kv => kv.Value);
        wrapped["optimizer.state.0.exp_avg"] = Tensor.Zeros(3);
        Assert.Equal(model.StateDict().Keys.Order(), SwinCheckpointFilter.Apply(wrapped).Keys.Order());
    }

    [Fact]
    public void Filter_leaves_its_input_alone()
    {
        var tv = Torchvision();
        var keys = tv.Keys.ToList();
        SwinCheckpointFilter.Apply(tv);
        Assert.Equal(keys, tv.Keys);
    }
}
