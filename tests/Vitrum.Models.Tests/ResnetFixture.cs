using System.Text.Json;
using Vitrum.Models.Resnet;
using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Models.Tests;

/// <summary>The narrow torchvision ResNets of tools/fixtures/gen_resnet.py and their reference values, read once.</summary>
public static class ResnetFixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "resnet", name);

    private static readonly ResnetConfig Narrow = new()
    {
        NumClasses = 10, Layers = new[] { 1, 2, 1, 1 }, Channels = new[] { 4, 8, 16, 32 }, StemWidth = 4, ImgSize = 50,
    };

    /// <summary>The fixture cases by name (see gen_resnet.py's doc).</summary>
    public static readonly IReadOnlyDictionary<string, ResnetConfig> Configs = new Dictionary<string, ResnetConfig>
    {
        ["basic"] = Narrow,
        ["bottleneck"] = Narrow with { Block = ResnetConfig.Bottleneck, StemWidth = 8 },
        ["dc5"] = Narrow with
        {
            Block = ResnetConfig.Bottleneck, StemWidth = 8, Layers = new[] { 1, 1, 1, 2 }, ImgSize = 64,
            ReplaceStrideWithDilation = new[] { false, false, true }, NormLayer = ResnetConfig.FrozenBatchNorm,
        },
        ["grouped"] = Narrow with
        {
            Block = ResnetConfig.Bottleneck, StemWidth = 8, Layers = new[] { 1, 1, 2, 2 }, Groups = 2, WidthPerGroup = 32, ImgSize = 40,
            ReplaceStrideWithDilation = new[] { false, true, true },
        },
    };

    /// <summary>IntermediateLayerGetter's return_layers of each case with features.</summary>
    public static readonly IReadOnlyDictionary<string, Dictionary<string, string>> ReturnLayers = new Dictionary<string, Dictionary<string, string>>
    {
        ["basic"] = new() { ["layer1"] = "0", ["layer2"] = "1", ["layer3"] = "2", ["layer4"] = "3" },
        ["bottleneck"] = new() { ["layer2"] = "a", ["layer4"] = "b" },
        ["dc5"] = new() { ["layer4"] = "0" },
    };

    public static string Checkpoint(string name) => Path(name + "_torchvision.safetensors");

    private static readonly Dictionary<string, Lazy<Dictionary<string, Tensor>>> ExpectedFiles = Configs.Keys.ToDictionary(
        k => k, k => new Lazy<Dictionary<string, Tensor>>(() => StateDictFile.Load(Path(k + "_expected.safetensors"))));

    /// <summary>A reference tensor of a case ("input", "eval_logits", "logits", "feature.0", "grads.conv1.weight", "after.bn1.running_mean").</summary>
    public static Tensor Expected(string name, string key) => ExpectedFiles[name].Value[key];

    /// <summary>The reference tensors of a case whose keys start with <paramref name="prefix"/>, keyed by the rest.</summary>
    public static Dictionary<string, Tensor> ExpectedWithPrefix(string name, string prefix) =>
        ExpectedFiles[name].Value.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    /// <summary>The case's model with its torchvision checkpoint loaded through the family's filter, in eval mode.</summary>
    public static ResNet Model(string name)
    {
        var model = new ResNet(Configs[name], seed: 7);
        ResnetWeights.Load(model, Checkpoint(name));
        model.Eval();
        return model;
    }

    private static readonly Lazy<JsonDocument> ManifestDoc = new(() => JsonDocument.Parse(File.ReadAllText(Path("manifest.json"))));

    /// <summary>manifest.json: torchvision's preset costs and key lists.</summary>
    public static JsonElement Manifest => ManifestDoc.Value.RootElement;

    /// <summary>A key list of the manifest as (key, shape) pairs in torchvision's order.</summary>
    public static List<(string Key, int[] Shape)> Keys(string list) =>
        Manifest.GetProperty(list).EnumerateArray()
            .Select(e => (e.GetProperty("key").GetString()!, e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray())).ToList();
}
