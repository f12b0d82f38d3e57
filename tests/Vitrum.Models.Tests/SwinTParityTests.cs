using System.Text.Json;
using Vitrum.Models.Swin;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>
/// swin_t at full size (swin_tiny_patch4_window7_224) against torchvision 0.14. The 28M weights are not committed:
/// t_manifest.json gives each parameter's recipe (tools/fixtures/gen_swin.py), repeated by <see cref="FormulaTensors"/>.
/// </summary>
public class SwinTParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Manifest = new(() => JsonDocument.Parse(File.ReadAllText(SwinFixture.Path("t_manifest.json"))));

    [Fact]
    public void Swin_t_torchvision_weights_through_the_filter_equal_the_timm_named_weights_and_give_torchvision_logits()
    {
        var root = Manifest.Value.RootElement;
        var torchvision = FormulaTensors.StateDict(Manifest.Value, "torchvision");
        var filtered = SwinCheckpointFilter.Apply(torchvision);
        // The generator names each recipe (its seed) under both layouts; the filter must hand on the very tensor.
        var bySeed = root.GetProperty("torchvision").EnumerateArray().ToDictionary(e => e.GetProperty("seed").GetInt32(), e => e.GetProperty("key").GetString()!);
        var timm = root.GetProperty("timm").EnumerateArray().ToList();
        Assert.Equal(timm.Select(e => e.GetProperty("key").GetString()!).Order(), filtered.Keys.Order());
        foreach (var e in timm) Assert.Same(torchvision[bySeed[e.GetProperty("seed").GetInt32()]], filtered[e.GetProperty("key").GetString()!]);

        var model = SwinFixture.SwinTiny.Value;
        Assert.Equal(28_288_354, model.ParameterCount());
        model.LoadStateDict(filtered);
        model.Eval();
        Tensor logits;
        using (GradMode.NoGrad()) logits = model.Forward(FormulaTensors.Recipe(root.GetProperty("input")));
        var r = Agreement.Check(FormulaTensors.Literal(root.GetProperty("logits")), logits, 1e-4, "swin_t logits");
        output.WriteLine($"swin_t logits {ShapeUtil.Format(logits.Shape)}: max relative deviation {r:E2}");
    }
}
