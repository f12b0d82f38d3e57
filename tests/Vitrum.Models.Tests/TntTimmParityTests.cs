using Vitrum.Models.Tnt;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>The small TNT against timm's tnt.py on torch 1.13 (tests/fixtures/tnt/small_*, made by tools/fixtures/gen_tnt.py).</summary>
public class TntTimmParityTests(ITestOutputHelper output)
{
    private const double Tol = 1e-4;

    private static Tensor Logits(TransformerInTransformer model)
    {
        using var _ = GradMode.NoGrad();
        return model.Forward(TntFixture.Expected("input"));
    }

    [Fact]
    public void Current_layout_gives_timm_logits()
    {
        var r = Agreement.Check(TntFixture.Expected("logits"), Logits(TntFixture.Model(TntFixture.Small, TntFixture.CurrentCheckpoint)), Tol, "logits");
        output.WriteLine($"current layout logits max relative deviation {r:E2}");
    }

    [Fact]
    public void Legacy_layout_gives_timm_legacy_logits()
    {
        var r = Agreement.Check(TntFixture.Expected("legacy_logits"), Logits(TntFixture.Model(TntFixture.SmallLegacy, TntFixture.LegacyCheckpoint)), Tol, "legacy logits");
        output.WriteLine($"legacy layout logits max relative deviation {r:E2}");
    }

    [Fact]
    public void Average_pooling_of_the_patch_tokens_gives_timm_logits()
    {
        var model = TntFixture.Model(TntFixture.Small with { GlobalPool = "avg" }, TntFixture.CurrentCheckpoint);
        Agreement.Check(TntFixture.Expected("logits_avg"), Logits(model), Tol, "avg-pooled logits");
    }

    [Fact]
    public void Official_names_through_the_filter_give_the_same_logits()
    {
        var official = Logits(TntFixture.Model(TntFixture.Small, TntFixture.OfficialCheckpoint));
        Assert.Equal(Logits(TntFixture.Model(TntFixture.Small, TntFixture.CurrentCheckpoint)).ToArray(), official.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void State_dict_keys_and_shapes_equal_timms_in_order(bool legacy)
    {
        var model = new TransformerInTransformer(legacy ? TntFixture.SmallLegacy : TntFixture.Small);
        using var timm = SafetensorsFile.Open(legacy ? TntFixture.LegacyCheckpoint : TntFixture.CurrentCheckpoint);
        var ours = model.StateDict();
        Assert.Equal(timm.Entries.OrderBy(e => e.Begin).Select(e => e.Name), ours.Keys);
        foreach (var e in timm.Entries) Assert.Equal(e.Shape, ours[e.Name].Shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gradients_of_every_parameter_equal_timms(bool legacy)
    {
        var model = legacy ? TntFixture.Model(TntFixture.SmallLegacy, TntFixture.LegacyCheckpoint) : TntFixture.Model(TntFixture.Small, TntFixture.CurrentCheckpoint);
        string prefix = legacy ? "legacy_" : "";
        var logits = model.Forward(TntFixture.Expected("input"));
        Ops.Sum(Ops.Mul(logits, TntFixture.Expected(prefix + "logit_weights"))).Backward();
        var expected = TntFixture.ExpectedGrads(prefix + "grads.");
        var parameters = model.NamedParameters().ToList();
        Assert.Equal(expected.Keys.Order(), parameters.Select(p => p.Name).Order());
        double worst = 0;
        foreach (var (name, p) in parameters)
        {
            Assert.True(p.Grad != null, $"{name} received no gradient");
            worst = Math.Max(worst, Agreement.Check(expected[name], p.Grad!, Tol, $"gradient of {name}"));
        }
        output.WriteLine($"{(legacy ? "legacy" : "current")}: {parameters.Count} parameter gradients, worst max relative deviation {worst:E2}");
    }

    [Fact]
    public void Training_mode_with_drop_path_gives_every_parameter_a_finite_gradient_and_differs_from_eval()
    {
        var config = TntFixture.Small with { DropPathRate = 0.5, DropRate = 0.2 };
        var model = TntFixture.Model(config, TntFixture.CurrentCheckpoint);
        var eval = Logits(model);
        model.Train();
        var logits = model.Forward(TntFixture.Expected("input"));
        Assert.NotEqual(eval.ToArray(), logits.ToArray());
        Ops.CrossEntropy(logits, Tensor.FromLongs(new long[] { 1, 4 }, 2)).Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad != null, $"{name} received no gradient");
            Assert.All(p.Grad!.ToArray(), v => Assert.True(float.IsFinite(v), $"{name} has a non-finite gradient"));
        }
    }
}
