using System.Text.Json;
using Vitrum.Models.Resnet;
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>The full-size presets against torchvision's models (tests/fixtures/resnet/manifest.json and r50_manifest.json).</summary>
public class ResnetStructureTests(ITestOutputHelper output)
{
    private static ResNet Build(ResnetConfig config)
    {
        using (Init.Skip()) return new ResNet(config);
    }

    private static void SameKeysAndShapes(List<(string Key, int[] Shape)> expected, Module module)
    {
        var state = module.StateDict();
        // Module.StateDict lists parameters before buffers; torchvision interleaves them by module.
        Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(state[key].Shape), $"{key}: {ShapeUtil.Format(state[key].Shape)}, torchvision [{string.Join(", ", shape)}]");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet34")]
    [InlineData("resnet50")]
    [InlineData("resnet101")]
    [InlineData("resnet152")]
    public void Presets_have_torchvisions_parameter_count(string name)
    {
        var reference = ResnetFixture.Manifest.GetProperty("presets").GetProperty(name);
        Assert.Equal(reference.GetProperty("params").GetInt64(), Build(ResnetPresets.All[name]).ParameterCount());
    }

    /// <summary>Convolutions and the classifier, as torchvision's published GFLOPS (1.81, 4.09) count them; timm's 1.82 and 4.11 add fvcore's batch-norm count.</summary>
    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public void Presets_have_torchvisions_convolution_and_linear_macs_at_224(string name)
    {
        var reference = ResnetFixture.Manifest.GetProperty("presets").GetProperty(name);
        ModelInstance model;
        using (Init.Skip()) model = ModelRegistry.Build(ModelRegistry.Preset(name));
        double gmacs = ModelCost.Gmacs(model)!.Value;
        Assert.Equal(reference.GetProperty("macs").GetInt64() / 1e9, gmacs, 12);
        output.WriteLine($"{name}: {ModelCost.Parameters(model):N0} parameters, {gmacs:F3} GMACs");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public void State_dict_keys_and_shapes_are_torchvisions(string name) =>
        SameKeysAndShapes(ResnetFixture.Keys(name + "_keys"), Build(ResnetPresets.All[name]));

    [Fact]
    public void Detr_dc5_body_has_the_keys_of_torchvisions_intermediate_layer_getter_with_frozen_norms()
    {
        var model = Build(ResnetPresets.Resnet50 with { NormLayer = ResnetConfig.FrozenBatchNorm, ReplaceStrideWithDilation = new[] { false, false, true } });
        var body = new IntermediateLayerGetter(model, new Dictionary<string, string> { ["layer4"] = "0" });
        SameKeysAndShapes(ResnetFixture.Keys("detr_resnet50_dc5_body_keys"), body);
        Assert.DoesNotContain(body.NamedParameters(), p => p.Name.Contains("bn", StringComparison.Ordinal) || p.Name.Contains("downsample.1", StringComparison.Ordinal));
    }

    [Fact]
    public void Dilated_basic_block_stages_keep_their_weights_and_the_map_size_with_mmdetections_conv1_dilation()
    {
        // Widths that grow every stage, so each stage's first block has a downsample with or without its stride.
        var plain = ResnetPresets.Resnet18 with { Channels = new[] { 8, 16, 24, 32 }, StemWidth = 8, NumClasses = 0 };
        var dilated = plain with { ReplaceStrideWithDilation = new[] { false, true, true } };
        var (a, b) = (Build(plain), Build(dilated));
        // Same keys and shapes, so a classifier's weights load into the dilated body (as DETR's DC5 loads ImageNet's).
        SameKeysAndShapes(a.StateDict().Select(kv => (kv.Key, kv.Value.Shape.ToArray())).ToList(), b);
        // torchvision's _make_layer: a dilating stage's first block takes the previous dilation, the others the new one.
        Assert.Equal(new[] { (2, 1), (1, 1), (1, 1), (1, 2), (1, 2), (1, 4) },
            new[] { b.Stages[2].Blocks[0], b.Stages[2].Blocks[1], b.Stages[3].Blocks[0], b.Stages[3].Blocks[1] }
                .Prepend(b.Stages[1].Blocks[1]).Prepend(b.Stages[1].Blocks[0]).Select(k => (k.Stride, k.Dilation)));
        var conv1 = (Conv2d)b.Stages[3].Blocks[1].NamedChildren().First(c => c.Name == "conv1").Module;
        var conv2 = (Conv2d)b.Stages[3].Blocks[1].NamedChildren().First(c => c.Name == "conv2").Module;
        Assert.Equal((new Size2(4, 4), new Size2(4, 4), new Size2(1, 1), new Size2(1, 1)), (conv1.Dilation, conv1.Padding, conv2.Dilation, conv2.Padding));
        using var _ = GradMode.NoGrad();
        var x = Tensor.Randn(new Generator(1), 1, 3, 64, 64);
        Assert.Equal(new[] { 1, 32, 2, 2 }, a.ForwardFeatures(x).Shape.ToArray());
        Assert.Equal(new[] { 1, 32, 8, 8 }, b.ForwardFeatures(x).Shape.ToArray());
    }

    [Fact]
    public void Getter_keeps_only_the_children_up_to_the_last_asked_stage()
    {
        var model = Build(ResnetPresets.ResnetMnist);
        var body = new IntermediateLayerGetter(model, new Dictionary<string, string> { ["layer2"] = "x" });
        Assert.Equal(new[] { "conv1", "bn1", "layer1", "layer2" }, body.NamedChildren().Select(c => c.Name));
        Assert.All(body.StateDict(), kv => Assert.Same(model.StateDict()[kv.Key], kv.Value));
        var e = Assert.Throws<ArgumentException>(() => new IntermediateLayerGetter(model, new Dictionary<string, string> { ["fc"] = "0" }));
        Assert.Contains("'fc', which is not a stage of the ResNet (one of: layer1, layer2, layer3, layer4)", e.Message);
    }

    [Fact]
    public void Resnet50_torchvision_weights_give_torchvisions_logits_folded_or_not()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(ResnetFixture.Path("r50_manifest.json")));
        var root = manifest.RootElement;
        var model = Build(ResnetPresets.Resnet50);
        new ModelInstance(ResnetFamily.Instance, model.Config, model).LoadWeights(FormulaTensors.StateDict(manifest, "torchvision"), "r50_manifest.json");
        model.Eval();
        var input = FormulaTensors.Recipe(root.GetProperty("input"));
        var expected = FormulaTensors.Literal(root.GetProperty("logits"));
        using var _ = GradMode.NoGrad();
        double r = Agreement.Check(expected, model.Forward(input), 1e-4, "resnet50 logits");
        model.FuseForInference();
        double folded = Agreement.Check(expected, model.Forward(input), 1e-4, "folded resnet50 logits");
        output.WriteLine($"resnet50 logits max relative deviation {r:E2}, folded {folded:E2}");
    }
}
