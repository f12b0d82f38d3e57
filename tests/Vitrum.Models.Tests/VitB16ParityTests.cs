using System.Text.Json;
using Vitrum.Models.Vit;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>
/// vit_b_16 at full size against torchvision 0.14. The 86M weights are not committed: b16_manifest.json
/// gives each tensor's recipe (value[i] = offset + scale u(seed, i), u from splitmix64, exact in float32),
/// which tools/fixtures/gen_vit.py used in numpy and <see cref="Recipe"/> repeats here bit for bit.
/// </summary>
public class VitB16ParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Manifest = new(() => JsonDocument.Parse(File.ReadAllText(VitFixture.Path("b16_manifest.json"))));

    private static Tensor Recipe(JsonElement e)
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

    private static Dictionary<string, Tensor> StateDict(string layout) =>
        Manifest.Value.RootElement.GetProperty(layout).EnumerateArray()
            .ToDictionary(e => e.GetProperty("key").GetString()!, Recipe, StringComparer.Ordinal);

    [Fact]
    public void Vit_b_16_torchvision_weights_through_the_filter_equal_the_timm_named_weights_and_give_torchvision_logits()
    {
        var root = Manifest.Value.RootElement;
        var filtered = VitCheckpointFilter.Apply(StateDict("torchvision"), VitPresets.VitBasePatch16_224);
        var timm = StateDict("timm");
        Assert.Equal(timm.Keys.Order(), filtered.Keys.Order());
        foreach (var (k, v) in timm) Assert.Equal(v.ToArray(), filtered[k].ToArray());

        var model = new VisionTransformer(VitPresets.VitBasePatch16_224);
        model.LoadStateDict(filtered);
        model.Eval();
        Tensor logits;
        using (GradMode.NoGrad()) logits = model.Forward(Recipe(root.GetProperty("input")));
        var e = root.GetProperty("logits");
        var expected = Tensor.FromArray(e.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(),
            e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray());
        var r = Agreement.Check(expected, logits, 1e-4, "vit_b_16 logits");
        output.WriteLine($"vit_b_16 logits {ShapeUtil.Format(logits.Shape)}: max relative deviation {r:E2}");
    }
}
