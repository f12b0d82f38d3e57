using Vitrum.Models.Resnet;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary><see cref="ResnetCheckpointFilter"/>: torchvision's keys are ours; wrappers and batch-norm counters are the only changes.</summary>
public class ResnetCheckpointFilterTests
{
    private static Dictionary<string, Tensor> Checkpoint(string name) => StateDictFile.Load(ResnetFixture.Checkpoint(name));

    [Theory]
    [InlineData("model.")]
    [InlineData("state_dict.")]
    [InlineData("module.")]
    [InlineData("model.module.")]
    public void Wrapped_checkpoints_are_unwrapped_to_the_same_tensors(string wrapper)
    {
        var plain = Checkpoint("basic");
        var wrapped = plain.ToDictionary(kv => wrapper + kv.Key, kv => kv.Value);
        wrapped["epoch"] = Tensor.LongZeros();
        var filtered = ResnetCheckpointFilter.Apply(wrapped, ResnetFixture.Configs["basic"]);
        Assert.Equal(plain.Keys.Order(), filtered.Keys.Order());
        Assert.All(plain, kv => Assert.Same(kv.Value, filtered[kv.Key]));
    }

    [Fact]
    public void Frozen_norms_drop_the_checkpoint_s_batch_counters_and_keep_everything_else()
    {
        var checkpoint = Checkpoint("dc5");
        Assert.Contains("layer4.1.bn3.num_batches_tracked", checkpoint.Keys);
        var filtered = ResnetCheckpointFilter.Apply(checkpoint, ResnetFixture.Configs["dc5"]);
        Assert.Equal(checkpoint.Keys.Where(k => !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).Order(), filtered.Keys.Order());
        Assert.All(filtered, kv => Assert.Same(checkpoint[kv.Key], kv.Value));
    }

    [Fact]
    public void Trainable_norms_get_zero_counters_where_an_old_checkpoint_has_none_and_keep_the_ones_it_has()
    {
        var checkpoint = Checkpoint("basic").Where(kv => kv.Key != "layer2.0.bn1.num_batches_tracked").ToDictionary(kv => kv.Key, kv => kv.Value);
        checkpoint["bn1.num_batches_tracked"] = Tensor.FromLongs(new long[] { 42 });
        var filtered = ResnetCheckpointFilter.Apply(checkpoint, ResnetFixture.Configs["basic"]);
        Assert.Equal(0, filtered["layer2.0.bn1.num_batches_tracked"].GetLong());
        Assert.Equal(DType.Int64, filtered["layer2.0.bn1.num_batches_tracked"].DType);
        Assert.Same(checkpoint["bn1.num_batches_tracked"], filtered["bn1.num_batches_tracked"]);

        var oldStyle = Checkpoint("basic").Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var model = ModelRegistry.Build(ResnetFixture.Configs["basic"]);
        model.LoadWeights(oldStyle, "resnet_before_0.4.1.pth");
        Assert.Equal(0, ((ResNet)model.Module).StateDict()["layer1.0.bn2.num_batches_tracked"].GetLong());
    }

    [Fact]
    public void Unknown_keys_pass_through_so_the_load_names_them()
    {
        var checkpoint = Checkpoint("basic");
        checkpoint["head.weight"] = Tensor.Zeros(10, 32);
        Assert.Contains("head.weight", ResnetCheckpointFilter.Apply(checkpoint, ResnetFixture.Configs["basic"]).Keys);
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Build(ResnetFixture.Configs["basic"]).LoadWeights(checkpoint, "extra.pth"));
        Assert.Contains("extra.pth is not a checkpoint of this ResNet (block basic, layers [1, 2, 1, 1]", e.Message);
        Assert.Contains("head.weight", e.Message);
    }

    [Fact]
    public void A_resnet_checkpoint_for_a_vit_and_a_swin_checkpoint_for_a_resnet_name_the_layouts()
    {
        var vit = Assert.Throws<ArgumentException>(() => ModelRegistry.Build(VitFixture.Small).LoadWeights(Checkpoint("bottleneck"), "r.pth"));
        Assert.Contains("Likely cause: the unexpected keys look like torchvision's ResNet names: a ResNet checkpoint", vit.Message);
        var resnet = Assert.Throws<ArgumentException>(() =>
            ModelRegistry.Build(ResnetFixture.Configs["basic"]).LoadWeights(StateDictFile.Load(SwinFixture.TorchvisionCheckpoint), "s.pth"));
        Assert.Contains("Likely cause: the unexpected keys look like torchvision's Swin names: a Swin checkpoint", resnet.Message);
    }

    [Fact]
    public void A_basic_block_checkpoint_for_a_bottleneck_model_is_refused_naming_the_missing_third_convolutions()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Build(ResnetFixture.Configs["bottleneck"]).LoadWeights(Checkpoint("basic"), "basic.pth"));
        Assert.Contains("layer1.0.conv3.weight", e.Message);
    }
}
