using Vitrum.Models.Detr;
using Vitrum.Models.Resnet;
using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Models.Tests;

/// <summary>The small official DETR models of tools/fixtures/gen_detr.py (tests/fixtures/detr/model_*.safetensors), read once.</summary>
public static class DetrModelFixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "detr", name);

    private static readonly DetrConfig Small = new()
    {
        Backbone = DetrConfig.Custom, HiddenDim = 32, NHeads = 2, EncLayers = 2, DecLayers = 2, DimFeedforward = 64, NumQueries = 5,
        NumClasses = 7, ImgSize = 64, MaxSize = 80,
        BackboneConfig = new ResnetConfig { Block = ResnetConfig.Basic, Layers = new[] { 1, 1, 1, 1 }, Channels = new[] { 4, 8, 8, 16 }, StemWidth = 4 },
    };

    /// <summary>The fixture cases by name (see gen_detr.py's doc).</summary>
    public static readonly IReadOnlyDictionary<string, DetrConfig> Configs = new Dictionary<string, DetrConfig>
    {
        ["r18"] = Small,
        ["dc5"] = Small with
        {
            Dilation = true,
            BackboneConfig = new ResnetConfig { Block = ResnetConfig.Bottleneck, Layers = new[] { 1, 1, 1, 2 }, Channels = new[] { 4, 4, 8, 8 }, StemWidth = 8 },
        },
        ["prenorm"] = Small with { PreNorm = true, PositionEmbedding = DetrConfig.Learned },
    };

    private static readonly Dictionary<string, Lazy<Dictionary<string, Tensor>>> Files = Configs.Keys.ToDictionary(
        k => k, k => new Lazy<Dictionary<string, Tensor>>(() => StateDictFile.Load(Path($"model_{k}.safetensors"))));

    /// <summary>A tensor of a case ("images", "mask", "pred_logits", "aux.0.pred_boxes", "w.pred_logits", "grads.class_embed.weight").</summary>
    public static Tensor Get(string name, string key) => Files[name].Value[key];

    /// <summary>The tensors of a case whose keys start with <paramref name="prefix"/>, keyed by the rest.</summary>
    public static Dictionary<string, Tensor> WithPrefix(string name, string prefix) =>
        Files[name].Value.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);

    /// <summary>The official state dict of a case.</summary>
    public static Dictionary<string, Tensor> State(string name) => WithPrefix(name, "state.");

    public static ImageBatch Batch(string name) => new(Get(name, "images"), Get(name, "mask"));

    /// <summary>The case's model with the official weights loaded through the family's filter, in eval mode.</summary>
    public static DetrModel Model(string name)
    {
        var instance = ModelRegistry.Build(Configs[name], seed: 3);
        instance.LoadWeights(State(name), $"model_{name}.safetensors");
        instance.Module.Eval();
        return (DetrModel)instance.Module;
    }

    /// <summary>Every output of DETR's dict by the fixture's names: pred_logits, pred_boxes, aux.{i}.pred_logits, aux.{i}.pred_boxes.</summary>
    public static IEnumerable<(string Name, Tensor Value)> Flatten(DetrOutput output)
    {
        yield return ("pred_logits", output.PredLogits);
        yield return ("pred_boxes", output.PredBoxes);
        for (int i = 0; i < output.AuxOutputs.Count; i++)
        {
            yield return ($"aux.{i}.pred_logits", output.AuxOutputs[i].PredLogits);
            yield return ($"aux.{i}.pred_boxes", output.AuxOutputs[i].PredBoxes);
        }
    }
}
