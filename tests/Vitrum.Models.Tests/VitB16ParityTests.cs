using System.Text.Json;
using Vitrum.Models.Vit;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>
/// vit_b_16 at full size against torchvision 0.14. The 86M weights are not committed: b16_manifest.json
/// gives each tensor's recipe, which tools/fixtures/gen_vit.py used and <see cref="FormulaTensors"/> repeats here bit for bit.
/// </summary>
public class VitB16ParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Manifest = new(() => JsonDocument.Parse(File.ReadAllText(VitFixture.Path("b16_manifest.json"))));

    [Fact]
    public void Vit_b_16_torchvision_weights_through_the_filter_equal_the_timm_named_weights_and_give_torchvision_logits()
    {
        var root = Manifest.Value.RootElement;
        var filtered = VitCheckpointFilter.Apply(FormulaTensors.StateDict(Manifest.Value, "torchvision"), VitPresets.VitBasePatch16_224);
        var timm = FormulaTensors.StateDict(Manifest.Value, "timm");
        Assert.Equal(timm.Keys.Order(), filtered.Keys.Order());
        foreach (var (k, v) in timm) Assert.Equal(v.ToArray(), filtered[k].ToArray());

        var model = new VisionTransformer(VitPresets.VitBasePatch16_224);
        model.LoadStateDict(filtered);
        model.Eval();
        Tensor logits;
        using (GradMode.NoGrad()) logits = model.Forward(FormulaTensors.Recipe(root.GetProperty("input")));
        var r = Agreement.Check(FormulaTensors.Literal(root.GetProperty("logits")), logits, 1e-4, "vit_b_16 logits");
        output.WriteLine($"vit_b_16 logits {ShapeUtil.Format(logits.Shape)}: max relative deviation {r:E2}");
    }
}
