using Vitrum.Models.Vit;
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>
/// ViT inference with every linear layer's weight packed and bias, GELU and the residual adds fused into the GEMMs
/// (<see cref="Linear.PackForInference"/>), against torchvision's logits and the unfused forward.
/// </summary>
public class VitPackedInferenceTests(ITestOutputHelper output)
{
    private static IEnumerable<Linear> Linears(Module model) => model.NamedModules().Select(m => m.Module).OfType<Linear>();

    private static Tensor Logits(VisionTransformer model)
    {
        using var _ = GradMode.NoGrad();
        return model.Forward(VitFixture.Expected("input"));
    }

    /// <summary>The logits and the calls per op kind of one profiled forward.</summary>
    private static (Tensor Logits, Dictionary<string, double> Calls) Profiled(VisionTransformer model)
    {
        using var profile = OpProfiler.Start();
        profile.BeginRound();
        var logits = Logits(model);
        return (logits, profile.Ops.ToDictionary(o => o.Op, o => o.Calls));
    }

    [Fact]
    public void Packed_fused_inference_gives_torchvision_logits_and_the_unfused_ones()
    {
        var model = VitFixture.Model();
        var (plain, plainCalls) = Profiled(model);
        foreach (var l in Linears(model)) l.PackForInference();
        var (packed, calls) = Profiled(model);
        // Each block: fc1 runs with its GELU, proj and fc2 with their residual adds; no separate GELU is left, and two
        // adds fewer per block (the position embedding's stays).
        int depth = VitFixture.Small.Depth;
        Assert.Equal(depth, calls["forward linear+gelu"]);
        Assert.Equal(2 * depth, calls["forward linear+add"]);
        Assert.Equal(depth, plainCalls["forward Gelu"]);
        Assert.False(calls.ContainsKey("forward Gelu"));
        Assert.Equal(plainCalls["forward add"] - 2 * depth, calls.GetValueOrDefault("forward add"));
        double r = Agreement.Check(VitFixture.Expected("logits"), packed, 1e-4, "packed logits");
        Agreement.Check(plain, packed, 1e-5, "packed vs unfused logits");
        output.WriteLine($"packed logits vs torchvision: max relative deviation {r:E2}");
    }

    [Fact]
    public void Training_or_gradients_for_the_weights_drop_the_packed_weights_frozen_weights_keep_them()
    {
        var model = VitFixture.Model();
        foreach (var l in Linears(model)) l.PackForInference();
        Assert.All(Linears(model), l => Assert.True(l.IsPacked));
        // Gradients on in eval mode (fine-tuning with frozen norms and no dropout): the unpacked ops record the tape, and
        // the snapshot goes, as the step that follows changes the weights.
        var logits = model.Forward(VitFixture.Expected("input"));
        Assert.True(logits.RequiresGrad);
        Assert.All(Linears(model), l => Assert.False(l.IsPacked));
        foreach (var l in Linears(model)) l.PackForInference();
        model.Train();
        using (GradMode.NoGrad()) model.Forward(VitFixture.Expected("input"));
        Assert.All(Linears(model), l => Assert.False(l.IsPacked));
        // Frozen weights keep it: gradients flow to the input only.
        model.Eval();
        model.Freeze();
        foreach (var l in Linears(model)) l.PackForInference();
        model.Forward(VitFixture.Expected("input"));
        Assert.All(Linears(model), l => Assert.True(l.IsPacked));
    }
}
