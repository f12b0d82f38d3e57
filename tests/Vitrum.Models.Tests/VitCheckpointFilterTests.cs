using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

public class VitCheckpointFilterTests
{
    [Fact]
    public void Torchvision_keys_become_the_timm_keys_written_by_pytorch()
    {
        var tv = PthFile.Load(VitFixture.TorchvisionCheckpoint);
        Assert.True(VitCheckpointFilter.IsTorchvision(tv));
        var mapped = VitCheckpointFilter.Apply(tv, VitFixture.Small);
        using var timm = SafetensorsFile.Open(VitFixture.TimmCheckpoint);
        Assert.Equal(timm.Entries.Select(e => e.Name).Order(), mapped.Keys.Order());
        foreach (var e in timm.Entries) Assert.Equal(timm.Load(e.Name).ToArray(), mapped[e.Name].ToArray());
    }

    [Fact]
    public void Timm_layout_passes_through_with_the_same_tensors()
    {
        var model = new VisionTransformer(VitFixture.Small);
        var state = model.StateDict();
        var filtered = VitCheckpointFilter.Apply(state, VitFixture.Small);
        Assert.False(VitCheckpointFilter.IsTorchvision(state));
        Assert.Equal(state.Keys, filtered.Keys);
        Assert.All(state, kv => Assert.Same(kv.Value, filtered[kv.Key]));
    }

    [Theory]
    [InlineData("encoder.layers.encoder_layer_11.self_attention.in_proj_weight", "blocks.11.attn.qkv.weight")]
    [InlineData("encoder.layers.encoder_layer_0.self_attention.out_proj.bias", "blocks.0.attn.proj.bias")]
    [InlineData("encoder.layers.encoder_layer_3.mlp.linear_1.weight", "blocks.3.mlp.fc1.weight")]
    [InlineData("encoder.layers.encoder_layer_3.mlp.linear_2.bias", "blocks.3.mlp.fc2.bias")]
    [InlineData("encoder.layers.encoder_layer_2.ln_2.weight", "blocks.2.norm2.weight")]
    [InlineData("encoder.ln.bias", "norm.bias")]
    [InlineData("heads.head.weight", "head.weight")]
    [InlineData("heads.pre_logits.weight", "heads.pre_logits.weight")]
    [InlineData("encoder.layers.encoder_layer_2.extra.weight", "encoder.layers.encoder_layer_2.extra.weight")]
    public void Torchvision_names_map_to_timm_names_and_unknown_ones_are_kept(string torchvision, string timm)
    {
        Assert.Equal(timm, VitCheckpointFilter.TorchvisionToTimm(torchvision));
    }

    [Fact]
    public void Wrapped_training_checkpoint_is_unwrapped_and_other_entries_dropped()
    {
        var model = new VisionTransformer(VitFixture.Small);
        var wrapped = model.StateDict().ToDictionary(kv => "model.module." + kv.Key, kv => kv.Value);
        wrapped["optimizer.state.0.exp_avg"] = Tensor.Zeros(3);
        var filtered = VitCheckpointFilter.Apply(wrapped, VitFixture.Small);
        Assert.Equal(model.StateDict().Keys.Order(), filtered.Keys.Order());
    }

    [Fact]
    public void Position_embedding_of_another_grid_is_resampled_to_the_config_leaving_the_input_alone()
    {
        var tv = PthFile.Load(VitFixture.TorchvisionCheckpoint);
        var filtered = VitCheckpointFilter.Apply(tv, VitFixture.Small with { ImgSize = 48 });
        Agreement.Check(VitFixture.Expected("pos_embed_6x6"), filtered["pos_embed"], 1e-6, "pos_embed");
        Assert.Equal(new[] { 1, 17, 48 }, tv["encoder.pos_embedding"].Shape);
        Assert.Equal(32, tv.Count);
    }

    [Fact]
    public void Position_embedding_without_a_square_grid_cannot_be_fitted()
    {
        var state = new VisionTransformer(VitFixture.Small).StateDict();
        state["pos_embed"] = Tensor.Zeros(1, 1 + 12, 48);
        var e = Assert.Throws<ArgumentException>(() => VitCheckpointFilter.Apply(state, VitFixture.Small));
        Assert.Contains("pos_embed [1, 13, 48]", e.Message);
        Assert.Contains("4x4", e.Message);
    }
}
