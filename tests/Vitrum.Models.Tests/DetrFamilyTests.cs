using System.Text.Json;
using Vitrum.Models.Detr;
using Vitrum.Models.Resnet;
using Vitrum.Nn;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>The DETR descriptor: main.py's argument names, the official keys and parameter counts, preprocessing, fine-tuning.</summary>
public class DetrFamilyTests
{
    private static readonly Lazy<JsonDocument> Manifest = new(() => JsonDocument.Parse(File.ReadAllText(DetrModelFixture.Path("model_manifest.json"))));

    [Fact]
    public void Json_config_with_main_py_arguments_builds_the_dc5_preset_and_round_trips()
    {
        var c = Assert.IsType<DetrConfig>(ModelRegistry.ParseJson("""{"family": "detr", "backbone": "resnet50", "dilation": true, "num_classes": 91}"""));
        Assert.Equal(DetrPresets.DetrResnet50Dc5, c);
        Assert.Same(DetrFamily.Instance, ModelRegistry.Family(c));
        var custom = DetrModelFixture.Configs["dc5"];
        Assert.Equal(custom, ModelRegistry.ParseJson(custom.ToJson()));
        Assert.Contains("\"backbone_config\":{", custom.ToJson());
        Assert.DoesNotContain("backbone_config", c.ToJson());
    }

    [Theory]
    [InlineData("""{"family": "detr", "backbone": "resnet49"}""", "backbone is 'resnet49', expected one of")]
    [InlineData("""{"family": "detr", "backbone": "custom"}""", "backbone_config goes with backbone 'custom'")]
    [InlineData("""{"family": "detr", "backbone_config": {"family": "resnet"}}""", "backbone_config goes with backbone 'custom'")]
    [InlineData("""{"family": "detr", "backbone": "custom", "backbone_config": {"family": "resnet", "layers": [1, 1]}}""", "layers must list 4 positive block counts")]
    [InlineData("""{"family": "detr", "position_embedding": "v4"}""", "position_embedding is 'v4', expected 'sine' or 'learned'")]
    [InlineData("""{"family": "detr", "hidden_dim": 250}""", "hidden_dim 250 must be a positive multiple of nheads 8")]
    [InlineData("""{"family": "detr", "hidden_dim": 26, "nheads": 2}""", "hidden_dim 26 must be divisible by 4 for the sine position embedding")]
    [InlineData("""{"family": "detr", "dec_layers": 0}""", "dec_layers must be >= 1")]
    [InlineData("""{"family": "detr", "num_queries": 0}""", "num_queries must be positive")]
    [InlineData("""{"family": "detr", "dropout": 1}""", "dropout must be in [0, 1)")]
    [InlineData("""{"family": "detr", "lr_backbone": 1e-5}""", "lr_backbone")]
    public void Bad_configs_are_refused_naming_the_field(string json, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.ParseJson(json, "d.json"));
        Assert.Contains("d.json", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void The_resnet50_model_has_the_official_state_dict_keys_and_shapes()
    {
        Module model;
        using (Init.Skip()) model = ModelRegistry.Create(DetrPresets.DetrResnet50);
        var official = Manifest.Value.RootElement.GetProperty("resnet50_keys").EnumerateArray()
            .Select(e => (e.GetProperty("key").GetString()!, string.Join(",", e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())))).ToList();
        var ours = model.StateDict().Select(kv => (kv.Key, string.Join(",", kv.Value.Shape.ToArray()))).ToList();
        Assert.Equal(official.Count, ours.Count);
        Assert.Equal(official.OrderBy(k => k.Item1, StringComparer.Ordinal), ours.OrderBy(k => k.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("detr_resnet50", "resnet50")]
    [InlineData("detr_resnet101", "resnet101")]
    [InlineData("detr_resnet50_dc5", "resnet50_dc5")]
    [InlineData("resnet18", "resnet18")]
    [InlineData("resnet34", "resnet34")]
    public void Parameter_counts_equal_the_official_models(string preset, string manifestKey)
    {
        var config = preset.StartsWith("detr_", StringComparison.Ordinal) ? (DetrConfig)ModelRegistry.Preset(preset) : new DetrConfig { Backbone = preset };
        ModelInstance model;
        using (Init.Skip()) model = ModelRegistry.Build(config);
        var counts = Manifest.Value.RootElement.GetProperty("counts").GetProperty(manifestKey);
        // What main.py prints as "number of params" (requires_grad: the frozen stem and layer1 left out) ...
        Assert.Equal(counts.GetProperty("trainable").GetInt64(), ModelCost.Parameters(model));
        // ... and sum(p.numel() for p in model.parameters()), and the frozen norms' buffers.
        Assert.Equal(counts.GetProperty("parameters").GetInt64(), model.Module.ParameterCount());
        Assert.Equal(counts.GetProperty("buffers").GetInt64(), model.Module.NamedBuffers().Sum(b => (long)b.Buffer.Numel));
    }

    [Fact]
    public void Preprocessing_is_detrs_val_resize_800_max_1333_with_imagenet_statistics_and_grey_for_the_digit_preset()
    {
        var cfg = DetrFamily.Instance.Pretrained(DetrPresets.DetrResnet50);
        Assert.Equal((3, 800, 1333, 1.0), (cfg.InChans, cfg.ImageSize, cfg.MaxSize, cfg.CropPct));
        Assert.Equal(PretrainedCfg.ImagenetMean, cfg.Mean);
        Assert.Equal(PretrainedCfg.ImagenetStd, cfg.Std);
        var digits = DetrFamily.Instance.Pretrained(DetrPresets.DetrDigits);
        Assert.Equal((1, 128, 128, 11), (digits.InChans, digits.ImageSize, digits.MaxSize, digits.NumClasses));
        Assert.Equal(new[] { 0.5f }, digits.Mean);
    }

    [Fact]
    public void Fine_tuning_with_another_class_count_reinitialises_class_embed_and_keeps_everything_else()
    {
        var model = ModelRegistry.Build(DetrFamily.Instance.WithClasses(DetrModelFixture.Configs["r18"], 3), seed: 5);
        var fresh = model.Module.StateDict()["class_embed.weight"].ToArray();
        var official = DetrModelFixture.State("r18");

        var loaded = model.LoadPretrained(official.ToDictionary(kv => "model." + kv.Key, kv => kv.Value), "detr-r18.pth");

        Assert.Equal(new PretrainedLoad(8, 4, HeadReinitialised: true), loaded);
        var state = model.Module.StateDict();
        Assert.Equal(fresh, state["class_embed.weight"].ToArray());
        foreach (var key in new[] { "bbox_embed.layers.2.weight", "query_embed.weight", "transformer.decoder.norm.bias", "backbone.0.body.layer4.0.conv2.weight" })
            Assert.Equal(official[key].ToArray(), state[key].ToArray());
        Assert.Equal("class_embed", model.Family.Classifier(model.Config));
        Assert.Empty(model.NoWeightDecay);
    }

    [Fact]
    public void The_filter_unwraps_main_py_checkpoints_and_drops_backbone_counters()
    {
        var state = DetrModelFixture.State("r18");
        var saved = state.ToDictionary(kv => "model." + kv.Key, kv => kv.Value);
        saved["optimizer.state.0.exp_avg"] = Tensor.Zeros(2);
        saved["model.backbone.0.body.layer1.0.bn1.num_batches_tracked"] = Tensor.LongZeros();

        var filtered = DetrCheckpointFilter.Apply(saved);

        Assert.Equal(state.Keys.Order(), filtered.Keys.Order());
        Assert.Same(state["class_embed.weight"], filtered["class_embed.weight"]);
    }

    [Fact]
    public void A_resnet_classifier_checkpoint_maps_to_the_backbone_body_without_its_head_and_counters()
    {
        var resnet = new ResNet(ResnetPresets.ResnetMnist, seed: 2).StateDict();
        var body = DetrCheckpointFilter.BackboneFromResnet(resnet.ToDictionary(kv => "state_dict." + kv.Key, kv => kv.Value));

        var model = new DetrModel(DetrPresets.DetrDigits);
        var own = model.StateDict().Where(kv => kv.Key.StartsWith(DetrCheckpointFilter.BodyPrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(own.Select(kv => kv.Key).Order(), body.Keys.Order());
        Assert.All(own, kv => Assert.Equal(kv.Value.Shape.ToArray(), body[kv.Key].Shape.ToArray()));
        Assert.Same(resnet["layer4.0.conv2.weight"], body["backbone.0.body.layer4.0.conv2.weight"]);
    }
}
