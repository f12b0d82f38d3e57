using Vitrum.Models.Swin;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>Small Swin models against torchvision 0.14 (tests/fixtures/swin/, made by tools/fixtures/gen_swin.py).</summary>
public class SwinTorchvisionParityTests(ITestOutputHelper output)
{
    private const double Tol = 1e-4;

    private static Tensor Logits(SwinTransformer model, Tensor input)
    {
        using var _ = GradMode.NoGrad();
        return model.Forward(input);
    }

    [Fact]
    public void Torchvision_checkpoint_through_the_filter_gives_torchvision_logits_on_maps_padded_to_the_window()
    {
        var r = Agreement.Check(SwinFixture.Expected("logits"), Logits(SwinFixture.Model(), SwinFixture.Expected("input")), Tol, "logits");
        output.WriteLine($"26x26 logits max relative deviation {r:E2}");
    }

    [Fact]
    public void Same_weights_under_timm_names_give_the_same_logits()
    {
        var input = SwinFixture.Expected("input");
        var fromTimm = Logits(SwinFixture.Model(checkpoint: SwinFixture.TimmCheckpoint), input);
        Agreement.Check(SwinFixture.Expected("logits"), fromTimm, Tol, "logits from timm names");
        Assert.Equal(Logits(SwinFixture.Model(), input).ToArray(), fromTimm.ToArray());
    }

    [Fact]
    public void Gradients_of_every_parameter_equal_pytorch()
    {
        var model = SwinFixture.Model();
        var logits = model.Forward(SwinFixture.Expected("input"));
        Ops.Sum(Ops.Mul(logits, SwinFixture.Expected("logit_weights"))).Backward();
        var expected = SwinFixture.ExpectedGrads().ToDictionary(kv => SwinCheckpointFilter.TorchvisionToTimm(kv.Key), kv => kv.Value);
        double worst = Agreement.CheckGradients(model, expected, Tol);
        output.WriteLine($"{expected.Count} parameter gradients, worst max relative deviation {worst:E2}");
    }

    [Theory]
    [InlineData("32")]
    [InlineData("26x18")]
    public void Other_input_sizes_pad_and_shift_as_torchvision(string size)
    {
        var r = Agreement.Check(SwinFixture.Expected("logits" + size), Logits(SwinFixture.Model(), SwinFixture.Expected("input" + size)), Tol, size + " logits");
        output.WriteLine($"{size}: logits max relative deviation {r:E2}");
    }

    [Fact]
    public void Window_covering_the_map_shrinks_to_the_map_and_does_not_shift()
    {
        var model = SwinFixture.Model(SwinFixture.Cover, SwinFixture.Path("cover_torchvision.safetensors"));
        Assert.Equal(new[] { 8, 4 }, model.Layers.Select(s => s.Blocks[0].Window));
        Assert.Equal(new[] { 49, 4 }, model.Layers[1].Blocks[1].Attn.RelativePositionBiasTable.Shape);
        var r = Agreement.Check(SwinFixture.CoverExpectedValue("logits"), Logits(model, SwinFixture.CoverExpectedValue("input")), Tol, "logits");
        output.WriteLine($"window covering the map: logits max relative deviation {r:E2}");
    }

    [Fact]
    public void Every_parameter_receives_a_finite_nonzero_gradient_from_the_loss_in_training_mode_with_dropout()
    {
        // No stochastic depth: with two images it may drop a whole branch, leaving its parameters without gradient.
        var model = SwinFixture.Model(SwinFixture.Small with { DropPathRate = 0, ProjDropRate = 0.1, AttnDropRate = 0.1, DropRate = 0.1 });
        model.Train();
        var loss = Ops.CrossEntropy(model.Forward(SwinFixture.Expected("input")), Tensor.FromLongs(new long[] { 3, 7 }, 2));
        loss.Backward();
        Assert.True(float.IsFinite(loss.Item()));
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad != null, $"{name} received no gradient");
            var g = p.Grad!.ToArray();
            Assert.All(g, v => Assert.True(float.IsFinite(v), $"{name} has a non-finite gradient"));
            Assert.True(g.Any(v => v != 0), $"{name} has an all-zero gradient");
        }
    }
}
