using System.Text.Json;
using Vitrum.Models.Tnt;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>
/// tnt_s_patch16_224 at full size against timm's tnt.py: s_manifest.json gives each of its 23.8M weights' recipe
/// (too big to commit), timm's logits for the recipe input, and the parameter counts of timm's registered TNTs.
/// </summary>
public class TntSParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Manifest = new(() => JsonDocument.Parse(File.ReadAllText(TntFixture.Path("s_manifest.json"))));

    [Fact]
    public void Tnt_s_patch16_224_with_timm_keys_in_order_gives_timm_logits()
    {
        var root = Manifest.Value.RootElement;
        var keys = root.GetProperty("timm").EnumerateArray().Select(e => e.GetProperty("key").GetString()!).ToArray();
        var model = new TransformerInTransformer(TntPresets.TntSPatch16_224);
        Assert.Equal(keys, model.StateDict().Keys);
        model.LoadStateDict(TntCheckpointFilter.Apply(FormulaTensors.StateDict(Manifest.Value, "timm"), TntPresets.TntSPatch16_224));
        model.Eval();
        Tensor logits;
        using (GradMode.NoGrad()) logits = model.Forward(FormulaTensors.Recipe(root.GetProperty("input")));
        var r = Agreement.Check(FormulaTensors.Literal(root.GetProperty("logits")), logits, 1e-4, "tnt_s_patch16_224 logits");
        output.WriteLine($"tnt_s_patch16_224 logits {ShapeUtil.Format(logits.Shape)}: max relative deviation {r:E2}");
    }

    [Theory]
    [InlineData("tnt_s_patch16_224", 23_768_584)]
    [InlineData("tnt_s_legacy_patch16_224", 23_755_336)]
    [InlineData("tnt_b_patch16_224", 65_428_680)]
    public void Preset_parameter_count_equals_timms(string preset, long count)
    {
        Assert.Equal(count, Manifest.Value.RootElement.GetProperty("parameter_counts").GetProperty(preset).GetInt64());
        Assert.Equal(count, ModelRegistry.Create(ModelRegistry.Preset(preset)).ParameterCount());
    }
}
