using System.Text.Json;
using Vitrum.Models.Swin;
using Vitrum.Models.Vit;
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>
/// Full-size swin_t and vit_b_16 in inference with every linear weight packed and the epilogues fused
/// (<see cref="Linear.PackForInference"/>, as <see cref="ModelInstance.ForInference"/> sets them up): torchvision's logits
/// at the parity tolerance, and the unfused forward's to float rounding. These sizes take every cut of the packed GEMM
/// (Swin's 3136-row first stage down to its 49-row last one; ViT's 197-row layers).
/// </summary>
public class PackedInferenceParityTests(ITestOutputHelper output)
{
    private static (Tensor Plain, Tensor Packed) BothWays(Module<Tensor, Tensor> model, Tensor input)
    {
        model.Eval();
        using var _ = GradMode.NoGrad();
        var plain = model.Forward(input);
        var linears = model.NamedModules().Select(m => m.Module).OfType<Linear>().ToList();
        foreach (var l in linears) l.PackForInference();
        Assert.All(linears, l => Assert.True(l.IsPacked));
        return (plain, model.Forward(input));
    }

    [Fact]
    public void Packed_swin_t_gives_torchvision_logits()
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(SwinFixture.Path("t_manifest.json")));
        var root = manifest.RootElement;
        SwinTransformer model;
        using (Init.Skip()) model = new SwinTransformer(SwinPresets.SwinTinyPatch4Window7_224);
        model.LoadStateDict(SwinCheckpointFilter.Apply(FormulaTensors.StateDict(manifest, "torchvision")));
        var (plain, packed) = BothWays(model, FormulaTensors.Recipe(root.GetProperty("input")));
        var r = Agreement.Check(FormulaTensors.Literal(root.GetProperty("logits")), packed, 1e-4, "packed swin_t logits");
        Agreement.Check(plain, packed, 1e-5, "packed vs unfused swin_t logits");
        output.WriteLine($"packed swin_t logits: max relative deviation {r:E2}");
    }

    [Fact]
    public void Packed_vit_b_16_gives_torchvision_logits()
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(VitFixture.Path("b16_manifest.json")));
        var root = manifest.RootElement;
        var model = new VisionTransformer(VitPresets.VitBasePatch16_224);
        model.LoadStateDict(VitCheckpointFilter.Apply(FormulaTensors.StateDict(manifest, "torchvision"), VitPresets.VitBasePatch16_224));
        var (plain, packed) = BothWays(model, FormulaTensors.Recipe(root.GetProperty("input")));
        var r = Agreement.Check(FormulaTensors.Literal(root.GetProperty("logits")), packed, 1e-4, "packed vit_b_16 logits");
        Agreement.Check(plain, packed, 1e-5, "packed vs unfused vit_b_16 logits");
        output.WriteLine($"packed vit_b_16 logits: max relative deviation {r:E2}");
    }
}
