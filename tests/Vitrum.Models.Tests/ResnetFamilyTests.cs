using Vitrum.Models.Resnet;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>The ResNet descriptor: JSON configs with torchvision's argument names, preprocessing, head, layer ordinals, folding rules.</summary>
public class ResnetFamilyTests
{
    [Fact]
    public void Json_config_with_torchvision_arguments_builds_resnet50_and_round_trips()
    {
        var c = Assert.IsType<ResnetConfig>(ModelRegistry.ParseJson("""{"family": "resnet", "layers": [3, 4, 6, 3], "block": "bottleneck"}"""));
        Assert.Equal(ResnetPresets.Resnet50, c);
        var dc5 = c with { ReplaceStrideWithDilation = new[] { false, false, true }, NormLayer = ResnetConfig.FrozenBatchNorm, NumClasses = 0 };
        Assert.Equal(dc5, ModelRegistry.ParseJson(dc5.ToJson()));
        Assert.Contains("\"replace_stride_with_dilation\":[false,false,true]", dc5.ToJson());
        Assert.Same(ResnetFamily.Instance, ModelRegistry.Family(c));
    }

    [Theory]
    [InlineData("""{"family": "resnet", "layers": [2, 2, 2]}""", "layers must list 4 positive block counts, got [2, 2, 2]")]
    [InlineData("""{"family": "resnet", "block": "wide"}""", "block is 'wide', expected 'basic' or 'bottleneck'")]
    [InlineData("""{"family": "resnet", "groups": 2}""", "basic blocks only support groups 1 and width_per_group 64")]
    [InlineData("""{"family": "resnet", "block": "bottleneck", "replace_stride_with_dilation": [true]}""", "replace_stride_with_dilation must have 3 entries")]
    [InlineData("""{"family": "resnet", "norm_layer": "group_norm"}""", "norm_layer is 'group_norm', expected 'batch_norm' or 'frozen_batch_norm'")]
    [InlineData("""{"family": "resnet", "channels": [8, 16, 32]}""", "channels must list 4 positive widths")]
    [InlineData("""{"family": "resnet", "block": "bottleneck", "channels": [4, 8, 16, 32], "width_per_group": 8}""", "leaves a bottleneck of channels [4, 8, 16, 32] no inner channels")]
    [InlineData("""{"family": "resnet", "depth": 50}""", "depth")]
    public void Bad_configs_are_refused_naming_the_field(string json, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.ParseJson(json, "r.json"));
        Assert.Contains("r.json", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Preprocessing_is_torchvisions_resize_256_crop_224_bilinear_with_imagenet_statistics()
    {
        var cfg = ResnetFamily.Instance.Pretrained(ResnetPresets.Resnet50);
        Assert.Equal((3, 224, 0.875, "bilinear", 1000), (cfg.InChans, cfg.ImageSize, cfg.CropPct, cfg.Interpolation, cfg.NumClasses));
        Assert.Equal(PretrainedCfg.ImagenetMean, cfg.Mean);
        Assert.Equal(PretrainedCfg.ImagenetStd, cfg.Std);
        Assert.Equal(256, (int)Math.Round(cfg.ImageSize / cfg.CropPct));
        var grey = ResnetFamily.Instance.Pretrained(ResnetPresets.ResnetMnist);
        Assert.Equal((1, 28, 1.0), (grey.InChans, grey.ImageSize, grey.CropPct));
    }

    [Fact]
    public void Fine_tuning_to_another_class_count_reinitialises_fc_and_copies_the_rest()
    {
        var model = ModelRegistry.Build(ResnetFamily.Instance.WithClasses(ResnetFixture.Configs["bottleneck"], 3), seed: 2);
        var fresh = model.Module.StateDict()["fc.weight"].ToArray();
        var checkpoint = StateDictFile.Load(ResnetFixture.Checkpoint("bottleneck"));
        var loaded = model.LoadPretrained(checkpoint, "b.safetensors");
        Assert.Equal(new PretrainedLoad(10, 3, HeadReinitialised: true), loaded);
        var state = model.Module.StateDict();
        Assert.Equal(new[] { 3, 128 }, state["fc.weight"].Shape);
        Assert.Equal(fresh, state["fc.weight"].ToArray());
        Assert.Equal(checkpoint["layer4.0.conv3.weight"].ToArray(), state["layer4.0.conv3.weight"].ToArray());
    }

    [Fact]
    public void Layer_ids_order_the_stem_then_every_block_then_fc_as_timms_group_matcher()
    {
        var c = ResnetPresets.Resnet50;
        var f = ResnetFamily.Instance;
        Assert.Equal(0, f.LayerId("conv1.weight", c));
        Assert.Equal(0, f.LayerId("bn1.bias", c));
        Assert.Equal(1, f.LayerId("layer1.0.downsample.0.weight", c));
        Assert.Equal(3, f.LayerId("layer1.2.bn3.weight", c));
        Assert.Equal(4, f.LayerId("layer2.0.conv1.weight", c));
        Assert.Equal(16, f.LayerId("layer4.2.conv3.weight", c));
        Assert.Equal(LayerIds.Top, f.LayerId("fc.weight", c));
        var groups = ModelRegistry.Build(ResnetPresets.ResnetMnist).ParamGroups(1e-3, 0.05, 0.5);
        Assert.Equal(Math.Pow(0.5, 5), groups.Single(g => g.Name == "layer_0_decay").LrScale, 12);
    }

    [Fact]
    public void Folded_weights_are_used_only_in_eval_mode_without_gradients_and_dropped_by_training()
    {
        var model = ResnetFixture.Model("bottleneck");
        var input = ResnetFixture.Expected("bottleneck", "input");
        float[] Run()
        {
            using var scope = new Vitrum.Tensors.Memory.TensorScope();
            return model.Forward(input).ToArray();
        }
        float[] unfolded;
        using (GradMode.NoGrad()) unfolded = Run();
        model.FuseForInference();
        float[] folded;
        using (GradMode.NoGrad()) folded = Run();
        Assert.NotEqual(unfolded, folded);
        Assert.Equal(unfolded, Run());
        Assert.True(model.IsFused);
        model.Train();
        Run();
        Assert.False(model.IsFused);
        model.Eval();
        using (GradMode.NoGrad()) Assert.NotEqual(folded, Run());
        model.FuseForInference();
        model.FuseForInference(fuse: false);
        Assert.False(model.IsFused);
    }

    [Fact]
    public void For_inference_puts_the_model_in_eval_mode_and_folds_its_norms_with_the_same_logits()
    {
        var instance = ModelRegistry.Build(ModelRegistry.Preset("resnet_mnist"));
        var model = Assert.IsType<ResNet>(instance.Module);
        using var x = Tensor.Randn(new Generator(9), 2, 1, 28, 28);
        model.Eval();
        float[] plain;
        using (GradMode.NoGrad()) plain = model.Forward(x).ToArray();
        model.Train();
        instance.ForInference();
        Assert.False(model.Training);
        Assert.True(model.IsFused);
        float[] folded;
        using (GradMode.NoGrad()) folded = model.Forward(x).ToArray();
        double scale = plain.Max(v => Math.Abs(v));
        Assert.All(plain.Zip(folded), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5 * scale, $"{p.First} vs {p.Second}"));
    }

    [Theory]
    [InlineData(ResnetConfig.Basic, "bn2")]
    [InlineData(ResnetConfig.Bottleneck, "bn3")]
    public void Zero_init_residual_zeroes_the_scale_of_each_block_s_last_norm_only(string block, string last)
    {
        var model = new ResNet(ResnetPresets.ResnetMnist with { Block = block, ZeroInitResidual = true }, seed: 1);
        foreach (var (name, p) in model.NamedParameters().Where(p => p.Name.Contains(".bn", StringComparison.Ordinal) && p.Name.EndsWith(".weight", StringComparison.Ordinal)))
            Assert.Equal(name.EndsWith($".{last}.weight", StringComparison.Ordinal), p.ToArray().All(v => v == 0));
    }

    [Fact]
    public void Every_parameter_of_resnet_mnist_gets_a_finite_nonzero_gradient_from_the_loss()
    {
        var model = (ResNet)ModelRegistry.Build(ResnetPresets.ResnetMnist, seed: 3).Module;
        var images = Tensor.Randn(new Generator(1), 4, 1, 28, 28);
        var loss = Ops.CrossEntropy(model.Forward(images), Tensor.FromLongs(new long[] { 1, 5, 7, 9 }, 4));
        loss.Backward();
        Assert.True(float.IsFinite(loss.Item()));
        foreach (var (name, p) in model.NamedParameters())
        {
            var g = p.Grad!.ToArray();
            Assert.All(g, v => Assert.True(float.IsFinite(v), $"{name} has a non-finite gradient"));
            Assert.True(g.Any(v => v != 0), $"{name} has an all-zero gradient");
        }
    }
}
