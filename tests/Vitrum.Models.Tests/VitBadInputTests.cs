using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

public class VitBadInputTests
{
    private static string FixtureIo(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "io", name);

    [Fact]
    public void Wrong_channel_count_is_rejected_with_the_expected_layout()
    {
        var model = new VisionTransformer(VitFixture.Small);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 1, 32, 32)));
        Assert.Contains("[2, 1, 32, 32]", e.Message);
        Assert.Contains("[B, 3, H, W]", e.Message);
        Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(3, 32, 32)));
    }

    [Fact]
    public void Image_size_not_a_multiple_of_the_patch_is_rejected()
    {
        var model = new VisionTransformer(VitFixture.Small);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(1, 3, 32, 30)));
        Assert.Contains("32x30", e.Message);
        Assert.Contains("patch size 8", e.Message);
    }

    [Fact]
    public void Checkpoint_of_another_architecture_lists_the_unexpected_and_missing_keys()
    {
        var model = new VisionTransformer(VitFixture.Small);
        var e = Assert.Throws<ArgumentException>(() => VitWeights.Load(model, FixtureIo("state_dict.pth")));
        Assert.Contains("state_dict.pth is not a checkpoint of this ViT", e.Message);
        Assert.Contains("unexpected keys: linear.weight", e.Message);
        Assert.Contains("missing keys: cls_token", e.Message);
    }

    [Fact]
    public void Checkpoint_of_a_deeper_or_wider_vit_names_the_mismatch()
    {
        var deeper = new VisionTransformer(VitFixture.Small with { Depth = 3 });
        var e = Assert.Throws<ArgumentException>(() => VitWeights.Load(deeper, VitFixture.TorchvisionCheckpoint));
        Assert.Contains("missing keys: blocks.2.norm1.weight", e.Message);
        var wider = new VisionTransformer(VitFixture.Small with { NumClasses = 100 });
        e = Assert.Throws<ArgumentException>(() => VitWeights.Load(wider, VitFixture.TimmCheckpoint));
        Assert.Contains("head.weight: checkpoint [10, 48] vs model [100, 48]", e.Message);
    }

    [Fact]
    public void Failed_load_leaves_the_parameters_untouched()
    {
        var model = new VisionTransformer(VitFixture.Small with { NumClasses = 100 });
        var before = model.PosEmbed.ToArray();
        Assert.Throws<ArgumentException>(() => VitWeights.Load(model, VitFixture.TorchvisionCheckpoint));
        Assert.Equal(before, model.PosEmbed.ToArray());
    }

    [Fact]
    public void Malformed_or_missing_weights_file_is_a_format_or_not_found_error()
    {
        var model = new VisionTransformer(VitFixture.Small);
        var p = Path.Combine(Path.GetTempPath(), $"vitrum-vit-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(p, new byte[] { 1, 2, 3 });
        try { Assert.Throws<CheckpointFormatException>(() => VitWeights.Load(model, p)); }
        finally { File.Delete(p); }
        Assert.Throws<FileNotFoundException>(() => VitWeights.Load(model, p));
    }
}
