using Vitrum.Models.Tnt;
using Vitrum.Models.Transformer;
using Vitrum.Models.Vit;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>The family contract: every preset belongs to one descriptor, which parses, builds and loads it.</summary>
public class ModelFamilyTests
{
    public static TheoryData<string> PresetNames() => new(ModelRegistry.PresetNames);

    [Theory]
    [MemberData(nameof(PresetNames))]
    public void Every_preset_round_trips_through_its_family_descriptor(string name)
    {
        var config = ModelRegistry.Preset(name);
        var family = ModelRegistry.Family(config);
        Assert.Same(config, family.Presets[name]);
        Assert.Equal(config, family.ParseConfig(config.ToJson(), name));
        Assert.Equal(config, ModelRegistry.ParseJson(config.ToJson(), name));
        Assert.Equal(family.Task != TaskKind.Seq2Seq, family.Pretrained(config) != null);
    }

    [Fact]
    public void Families_are_listed_once_with_their_task_kinds()
    {
        Assert.Equal(new[] { "detr", "resnet", "swin", "tnt", "transformer", "vit" }, ModelRegistry.Families.Select(f => f.Name).Order());
        Assert.Equal(TaskKind.Classify, ModelRegistry.Family(VitPresets.VitMnist).Task);
        Assert.Equal(TaskKind.Classify, ModelRegistry.Family(TntPresets.TntMnist).Task);
        Assert.Equal(TaskKind.Seq2Seq, ModelRegistry.Family(TransformerPresets.G2pTransformer).Task);
        Assert.Equal(TaskKind.Detect, ModelRegistry.Family(Detr.DetrPresets.DetrResnet50).Task);
    }

    [Fact]
    public void Build_gives_the_model_its_config_and_the_family_rules()
    {
        var vit = ModelRegistry.Build(VitPresets.VitMnist, seed: 3);
        Assert.IsType<VisionTransformer>(vit.Module);
        Assert.Equal(new[] { "pos_embed", "cls_token" }, vit.NoWeightDecay);
        Assert.Equal((1, 28, 1.0), (vit.Pretrained!.InChans, vit.Pretrained.ImageSize, vit.Pretrained.CropPct));
        var timm = ModelRegistry.Build(VitPresets.VitTinyPatch16_224);
        Assert.Equal((0.9, "bicubic"), (timm.Pretrained!.CropPct, timm.Pretrained.Interpolation));
        var g2p = ModelRegistry.Build(TransformerPresets.G2pTransformer);
        Assert.IsType<TransformerModel>(g2p.Module);
        Assert.Null(g2p.Pretrained);
        Assert.Throws<InvalidOperationException>(() => g2p.Classifier);
    }

    [Fact]
    public void Recipes_come_from_the_family_by_preset_and_data_set()
    {
        Assert.Equal(18, ModelRegistry.Recipe("vit_mnist", VitPresets.VitMnist, "fashion-mnist").Epochs);
        Assert.Equal(8, ModelRegistry.Recipe("vit_mnist", VitPresets.VitMnist, "mnist").Epochs);
        Assert.Equal(4000, ModelRegistry.Recipe("g2p_transformer", TransformerPresets.G2pTransformer, "cmudict").WarmupSteps);
        Assert.Equal(new TrainingRecipe(), ModelRegistry.Recipe("cfg.json", VitPresets.VitMnist, "mnist"));
    }

    /// <summary>The ViT family's filter applies wherever weights are loaded: a torchvision checkpoint loads and gives torchvision's logits.</summary>
    [Fact]
    public void Loading_through_the_family_applies_its_checkpoint_filter()
    {
        var model = ModelRegistry.Build(VitFixture.Small, seed: 1);
        model.LoadWeights(Vitrum.Nn.IO.StateDictFile.Load(VitFixture.TorchvisionCheckpoint), "small_torchvision.pth");
        model.Module.Eval();
        using var _ = Vitrum.Tensors.Autograd.GradMode.NoGrad();
        Agreement.Check(VitFixture.Expected("logits"), model.Classifier.Forward(VitFixture.Expected("input")), 1e-4, "logits");
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_is_refused_naming_the_model_and_keys()
    {
        var model = ModelRegistry.Build(VitPresets.VitMnist);
        var other = ModelRegistry.Build(VitPresets.VitMnist with { EmbedDim = 32 }).Module.StateDict();
        var e = Assert.Throws<ArgumentException>(() => model.LoadWeights(other, "other.safetensors"));
        Assert.Contains("other.safetensors is not a checkpoint of this ViT (embed_dim 64", e.Message);
        Assert.Contains("cls_token", e.Message);
        Assert.Equal(0f, ModelRegistry.Build(VitPresets.VitMnist, 0).Module.StateDict()["cls_token"].ToArray().Zip(
            model.Module.StateDict()["cls_token"].ToArray(), (a, b) => a - b).Select(Math.Abs).Max());
    }

    [Fact]
    public void A_config_of_one_family_is_refused_by_another()
    {
        IModelFamily vit = VitFamily.Instance;
        var e = Assert.Throws<ArgumentException>(() => vit.Create(TransformerPresets.G2pTransformer, 0));
        Assert.Contains("'vit' family cannot take a 'transformer' config", e.Message);
    }
}

/// <summary>Parameters and GMACs counted from the models against timm's published figures (results tables of timm).</summary>
public class ModelCostTests
{
    [Theory]
    [InlineData("vit_small_patch16_224", 22_050_664L, 4.61)]
    public void Presets_cost_what_timm_publishes(string name, long parameters, double gmacs)
    {
        var model = ModelRegistry.Build(ModelRegistry.Preset(name));
        Assert.Equal(parameters, ModelCost.Parameters(model));
        double counted = ModelCost.Gmacs(model)!.Value;
        Assert.True(Math.Abs(counted - gmacs) <= 0.02 * gmacs, $"{name}: {counted:F3} GMACs counted, timm publishes {gmacs}");
    }

    [Fact]
    public void A_sequence_model_has_no_image_gmacs()
    {
        Assert.Null(ModelCost.Gmacs(ModelRegistry.Build(ModelRegistry.Preset("g2p_transformer"))));
    }

    [Fact]
    public void The_counter_counts_each_op_by_its_shape_and_nests()
    {
        using var outer = MacCounter.Start();
        Ops.Linear(Tensor.Zeros(5, 3), Tensor.Zeros(4, 3));
        using (var inner = MacCounter.Start())
        {
            Ops.MatMul(Tensor.Zeros(2, 6, 7), Tensor.Zeros(7, 3));
            Ops.Conv2d(Tensor.Zeros(1, 2, 5, 5), Tensor.Zeros(4, 2, 3, 3));
            Assert.Equal(2 * 6 * 7 * 3 + 4 * 3 * 3 * 2 * 3 * 3, inner.Macs);
        }
        Ops.ScaledDotProductAttention(Tensor.Zeros(1, 2, 3, 4), Tensor.Zeros(1, 2, 5, 4), Tensor.Zeros(1, 2, 5, 6));
        Assert.Equal(5 * 4 * 3 + 2 * 3 * 5 * (4 + 6), outer.Macs);
    }

    [Fact]
    public void A_count_only_counter_counts_the_same_and_leaves_the_counted_ops_zero()
    {
        var gen = new Generator(5);
        var x = Tensor.Randn(gen, 1, 2, 6, 6);
        var w = Tensor.Randn(gen, 3, 2, 3, 3);
        var q = Tensor.Randn(gen, 1, 2, 4, 8);
        var packed = Tensor.Randn(gen, 2, 4, 24);
        long Count(bool countOnly, out Tensor[] outputs)
        {
            using var counter = MacCounter.Start(countOnly);
            outputs = new[]
            {
                Ops.Linear(x.Reshape(12, 6), Tensor.Randn(gen, 5, 6), Tensor.Ones(5)),
                Ops.MatMul(x, x),
                Ops.Conv2d(x, w, Tensor.Ones(3)),
                Ops.Conv2dAddRelu(x, w, Tensor.Ones(3), null, relu: false),
                Ops.ScaledDotProductAttention(q, q, q),
                Ops.SelfAttention(packed, heads: 2),
            };
            return counter.Macs;
        }
        long full = Count(false, out var computed), counted = Count(true, out var zeros);
        Assert.Equal(full, counted);
        Assert.All(computed, t => Assert.Contains(t.ToArray(), v => v != 0));
        Assert.All(zeros, t => Assert.All(t.ToArray(), v => Assert.Equal(0f, v)));
    }
}
