using Vitrum.Models.Tnt;
using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Models.Tests;

/// <summary>The small TNT of tools/fixtures/gen_tnt.py (timm's tnt.py, both layouts) and its reference values, read once.</summary>
public static class TntFixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "tnt", name);

    /// <summary>img 24, patch 8, first_stride 2 (16 pixels per patch), embed 32, inner 8, depth 2, qkv_bias, 5 classes: small_config.json.</summary>
    public static readonly TntConfig Small = (TntConfig)ModelRegistry.LoadJsonFile(Path("small_config.json"));

    public static TntConfig SmallLegacy => Small with { Legacy = true };

    public static string CurrentCheckpoint => Path("small_current.safetensors");
    public static string LegacyCheckpoint => Path("small_legacy.safetensors");
    public static string OfficialCheckpoint => Path("small_official.safetensors");

    private static readonly Lazy<Dictionary<string, Tensor>> ExpectedValues = new(() => StateDictFile.Load(Path("small_expected.safetensors")));

    /// <summary>A reference tensor of small_expected.safetensors (e.g. "input", "logits", "grads.patch_pos").</summary>
    public static Tensor Expected(string name) => ExpectedValues.Value[name];

    /// <summary>The reference gradients under <paramref name="prefix"/> ("grads." or "legacy_grads."), by timm key.</summary>
    public static Dictionary<string, Tensor> ExpectedGrads(string prefix) =>
        ExpectedValues.Value.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    /// <summary>A model of <paramref name="config"/> with <paramref name="checkpoint"/> loaded through the family's filter, in eval mode.</summary>
    public static TransformerInTransformer Model(TntConfig config, string checkpoint)
    {
        var instance = ModelRegistry.Build(config, seed: 5);
        instance.LoadWeights(StateDictFile.Load(checkpoint), System.IO.Path.GetFileName(checkpoint));
        instance.Module.Eval();
        return (TransformerInTransformer)instance.Module;
    }
}
