using Vitrum.Models.Vit;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>The small ViT against torchvision 0.14 (tests/fixtures/vit/small_*, made by tools/fixtures/gen_vit.py).</summary>
public class VitTorchvisionParityTests(ITestOutputHelper output)
{
    private const double Tol = 1e-4;

    private static Tensor Logits(VisionTransformer model, string input)
    {
        using var _ = GradMode.NoGrad();
        return model.Forward(VitFixture.Expected(input));
    }

    [Fact]
    public void Torchvision_checkpoint_through_the_filter_gives_torchvision_logits()
    {
        var r = Agreement.Check(VitFixture.Expected("logits"), Logits(VitFixture.Model(), "input"), Tol, "logits");
        output.WriteLine($"logits max relative deviation {r:E2}");
    }

    [Fact]
    public void Same_weights_under_timm_names_in_safetensors_give_the_same_logits()
    {
        var fromTimm = Logits(VitFixture.Model(checkpoint: VitFixture.TimmCheckpoint), "input");
        Agreement.Check(VitFixture.Expected("logits"), fromTimm, Tol, "logits from timm names");
        Assert.Equal(Logits(VitFixture.Model(), "input").ToArray(), fromTimm.ToArray());
    }

    [Fact]
    public void Gradients_of_every_parameter_equal_pytorch()
    {
        var model = VitFixture.Model();
        var logits = model.Forward(VitFixture.Expected("input"));
        Ops.Sum(Ops.Mul(logits, VitFixture.Expected("logit_weights"))).Backward();
        var expected = VitFixture.ExpectedGrads().ToDictionary(kv => VitCheckpointFilter.TorchvisionToTimm(kv.Key), kv => kv.Value);
        double worst = Agreement.CheckGradients(model, expected, Tol);
        output.WriteLine($"{expected.Count} parameter gradients, worst max relative deviation {worst:E2}");
    }

    [Fact]
    public void Every_parameter_receives_a_finite_nonzero_gradient_from_the_loss()
    {
        var model = VitFixture.Model();
        model.Train();
        var logits = model.Forward(VitFixture.Expected("input"));
        var loss = Ops.CrossEntropy(logits, Tensor.FromLongs(new long[] { 3, 7 }, 2));
        loss.Backward();
        Assert.False(float.IsNaN(loss.Item()));
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad != null, $"{name} received no gradient");
            var g = p.Grad!.ToArray();
            Assert.All(g, v => Assert.True(float.IsFinite(v), $"{name} has a non-finite gradient"));
            Assert.True(g.Any(v => v != 0), $"{name} has an all-zero gradient");
        }
    }

    [Fact]
    public void Larger_input_at_run_time_resamples_pos_embed_as_timm_and_matches_logits_and_its_gradient()
    {
        var model = VitFixture.Model();
        var logits = model.Forward(VitFixture.Expected("input48"));
        var r = Agreement.Check(VitFixture.Expected("logits48"), logits, Tol, "48x48 logits");
        Ops.Sum(Ops.Mul(logits, VitFixture.Expected("logit_weights48"))).Backward();
        var g = Agreement.Check(VitFixture.Expected("grad48_pos_embedding"), model.PosEmbed.Grad!, Tol, "pos_embed gradient through the resampling");
        output.WriteLine($"48x48: logits {r:E2}, pos_embed gradient {g:E2}");
    }

    [Fact]
    public void Non_square_input_at_run_time_uses_a_non_square_grid()
    {
        Agreement.Check(VitFixture.Expected("logits48x24"), Logits(VitFixture.Model(), "input48x24"), Tol, "48x24 logits");
    }

    [Fact]
    public void Checkpoint_loaded_into_a_larger_image_size_is_resampled_at_load_time()
    {
        var model = VitFixture.Model(VitFixture.Small with { ImgSize = 48 });
        Assert.Equal(new[] { 1, 37, 48 }, model.PosEmbed.Shape);
        Agreement.Check(VitFixture.Expected("pos_embed_6x6"), model.PosEmbed, 1e-6, "resampled pos_embed");
        Agreement.Check(VitFixture.Expected("logits48"), Logits(model, "input48"), Tol, "48x48 logits after load-time resampling");
    }
}
