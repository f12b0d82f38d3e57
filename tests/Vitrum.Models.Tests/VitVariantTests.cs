using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>
/// timm's options that torchvision lacks (average pooling with fc_norm, no class token, LayerScale), against
/// PyTorch references composed from the small fixture's torchvision modules (gen_vit.py reference_forward).
/// </summary>
public class VitVariantTests
{
    private const double Tol = 1e-4;

    private static Dictionary<string, Tensor> TimmState(VitConfig config) =>
        VitCheckpointFilter.Apply(PthFile.Load(VitFixture.TorchvisionCheckpoint), config);

    private static Tensor Logits(VitConfig config, Dictionary<string, Tensor> state)
    {
        var model = new VisionTransformer(config);
        model.LoadStateDict(state);
        model.Eval();
        using var _ = GradMode.NoGrad();
        return model.Forward(VitFixture.Expected("input"));
    }

    /// <summary>The final LayerNorm becomes fc_norm, applied after pooling (timm's norm is then Identity).</summary>
    private static Dictionary<string, Tensor> WithFcNorm(Dictionary<string, Tensor> state) =>
        state.ToDictionary(kv => kv.Key.StartsWith("norm.", StringComparison.Ordinal) ? "fc_" + kv.Key : kv.Key, kv => kv.Value);

    [Fact]
    public void Average_pooling_normalizes_the_mean_patch_token_with_fc_norm()
    {
        var config = VitFixture.Small with { GlobalPool = "avg" };
        var state = WithFcNorm(TimmState(config));
        Assert.Contains("fc_norm.weight", new VisionTransformer(config).StateDict().Keys);
        Assert.DoesNotContain("norm.weight", new VisionTransformer(config).StateDict().Keys);
        Agreement.Check(VitFixture.Expected("logits_avg"), Logits(config, state), Tol, "avg-pool logits");
    }

    [Fact]
    public void Model_without_class_token_has_no_prefix_position()
    {
        var config = VitFixture.Small with { GlobalPool = "avg", ClassToken = false };
        var state = WithFcNorm(TimmState(VitFixture.Small));
        state.Remove("cls_token");
        state["pos_embed"] = state["pos_embed"].Narrow(1, 1, 16);
        Assert.Equal(new[] { 1, 16, 48 }, new VisionTransformer(config).PosEmbed.Shape);
        Agreement.Check(VitFixture.Expected("logits_avg_no_class_token"), Logits(config, state), Tol, "no-class-token logits");
    }

    [Fact]
    public void Layer_scale_gammas_load_under_timm_keys_and_scale_both_branches()
    {
        var config = VitFixture.Small with { InitValues = 1e-5 };
        var state = TimmState(config);
        var gammas = PthFile.Load(VitFixture.Path("small_expected.pth"))
            .Where(kv => kv.Key.StartsWith("layer_scale.", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, gammas.Count);
        foreach (var (k, v) in gammas) state[k["layer_scale.".Length..]] = v;
        Agreement.Check(VitFixture.Expected("logits_layer_scale"), Logits(config, state), Tol, "LayerScale logits");
    }

    [Fact]
    public void Layer_scale_starts_at_init_values()
    {
        var model = new VisionTransformer(VitFixture.Small with { InitValues = 0.25 });
        var gamma = model.StateDict()["blocks.1.ls2.gamma"];
        Assert.All(gamma.ToArray(), v => Assert.Equal(0.25f, v));
    }
}
