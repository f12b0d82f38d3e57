using System.Text.Json;
using Vitrum.Tensors;

namespace Vitrum.Models.Tests;

/// <summary>
/// Tensors of the full-size manifests (tests/fixtures/vit/b16_manifest.json, swin/t_manifest.json) whose weights are
/// too big to commit: each entry's recipe is value[i] = offset + scale u(seed, i), u from splitmix64, exact in
/// float32, which tools/fixtures/common.py formula_tensor used in numpy and <see cref="Recipe"/> repeats bit for bit.
/// </summary>
public static class FormulaTensors
{
    public static Tensor Recipe(JsonElement e)
    {
        var shape = e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        ulong seed = e.GetProperty("seed").GetUInt64();
        double offset = e.GetProperty("offset").GetDouble(), scale = e.GetProperty("scale").GetDouble();
        var t = Tensor.Empty(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(offset + scale * SplitMixUniform(seed, (ulong)i));
        return t;
    }

    /// <summary>splitmix64 of (seed, i), its top 24 bits scaled to [-1, 1).</summary>
    private static double SplitMixUniform(ulong seed, ulong i)
    {
        ulong z = unchecked(seed * 0xD1B54A32D192ED03UL + (i + 1) * 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 40) / (double)(1 << 23) - 1.0;
    }

    /// <summary>The manifest's tensors of one layout ("torchvision" or "timm") by key.</summary>
    public static Dictionary<string, Tensor> StateDict(JsonDocument manifest, string layout) =>
        manifest.RootElement.GetProperty(layout).EnumerateArray()
            .ToDictionary(e => e.GetProperty("key").GetString()!, Recipe, StringComparer.Ordinal);

    /// <summary>A tensor written out in full ({"shape": [...], "data": [...]}), such as the reference logits.</summary>
    public static Tensor Literal(JsonElement e) =>
        Tensor.FromArray(e.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(),
            e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray());
}
