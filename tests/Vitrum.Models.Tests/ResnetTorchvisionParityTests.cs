using Vitrum.Models.Resnet;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>Narrow ResNets against torchvision 0.14 (tests/fixtures/resnet/, made by tools/fixtures/gen_resnet.py).</summary>
public class ResnetTorchvisionParityTests(ITestOutputHelper output)
{
    private const double Tol = 1e-4;

    public static TheoryData<string> AllCases() => new(ResnetFixture.Configs.Keys);
    public static TheoryData<string> TrainedCases() => new("basic", "bottleneck", "dc5");

    private static Tensor NoGrad(Func<Tensor> forward)
    {
        using var _ = GradMode.NoGrad();
        return forward();
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Eval_logits_with_running_statistics_equal_torchvision(string name)
    {
        var model = ResnetFixture.Model(name);
        var r = Agreement.Check(ResnetFixture.Expected(name, "eval_logits"), NoGrad(() => model.Forward(ResnetFixture.Expected(name, "input"))), Tol, name + " eval logits");
        output.WriteLine($"{name}: eval logits max relative deviation {r:E2}");
    }

    [Theory]
    [MemberData(nameof(TrainedCases))]
    public void Training_mode_logits_and_every_parameter_gradient_equal_torchvision(string name)
    {
        var model = ResnetFixture.Model(name);
        model.Train();
        var logits = model.Forward(ResnetFixture.Expected(name, "input"));
        double r = Agreement.Check(ResnetFixture.Expected(name, "logits"), logits, Tol, name + " training logits");
        Ops.Sum(Ops.Mul(logits, ResnetFixture.Expected(name, "logit_weights"))).Backward();
        double worst = Agreement.CheckGradients(model, ResnetFixture.ExpectedWithPrefix(name, "grads."), Tol);
        output.WriteLine($"{name}: training logits {r:E2}, {model.NamedParameters().Count()} parameter gradients, worst {worst:E2}");
    }

    [Theory]
    [InlineData("basic")]
    [InlineData("bottleneck")]
    public void A_training_forward_updates_every_running_statistic_and_counter_as_torch(string name)
    {
        var model = ResnetFixture.Model(name);
        model.Train();
        NoGrad(() => model.Forward(ResnetFixture.Expected(name, "input")));
        var after = ResnetFixture.ExpectedWithPrefix(name, "after.");
        var state = model.StateDict();
        Assert.Equal(after.Keys.Order(), state.Keys.Where(k => k.Contains("running_") || k.EndsWith("num_batches_tracked")).Order());
        foreach (var (key, expected) in after)
        {
            if (expected.DType == DType.Int64) Assert.Equal(expected.GetLong(), state[key].GetLong());
            else Agreement.Check(expected, state[key], Tol, key);
        }
    }

    [Fact]
    public void Frozen_norms_give_the_eval_logits_in_training_mode_and_keep_their_buffers()
    {
        var model = ResnetFixture.Model("dc5");
        var before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        model.Train();
        var logits = NoGrad(() => model.Forward(ResnetFixture.Expected("dc5", "input")));
        Agreement.Check(ResnetFixture.Expected("dc5", "eval_logits"), logits, Tol, "dc5 training-mode logits");
        Assert.Empty(model.StateDict().Where(kv => !before[kv.Key].AsSpan().SequenceEqual(kv.Value.ToArray())).Select(kv => kv.Key));
        Assert.DoesNotContain(model.StateDict().Keys, k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TrainedCases))]
    public void Intermediate_layer_getter_returns_torchvisions_maps_under_the_asked_names(string name)
    {
        var model = ResnetFixture.Model(name);
        var body = new IntermediateLayerGetter(model, ResnetFixture.ReturnLayers[name]);
        OrderedDictionary<string, Tensor> maps;
        using (GradMode.NoGrad()) maps = body.Forward(ResnetFixture.Expected(name, "input"));
        var expected = ResnetFixture.ExpectedWithPrefix(name, "feature.");
        Assert.Equal(ResnetFixture.ReturnLayers[name].Values, maps.Keys);
        foreach (var (key, map) in maps)
        {
            double r = Agreement.Check(expected[key], map, Tol, $"{name} feature {key}");
            output.WriteLine($"{name}: map '{key}' {ShapeUtil.Format(map.Shape)} max relative deviation {r:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Folded_norms_give_the_unfolded_logits_within_1e5_and_leave_the_state_dict_alone(string name)
    {
        var model = ResnetFixture.Model(name);
        var input = ResnetFixture.Expected(name, "input");
        var unfolded = NoGrad(() => model.Forward(input));
        var keys = model.StateDict().Keys.ToList();
        var before = model.StateDict().Values.Select(t => t.ToArray()).ToList();
        model.FuseForInference();
        Assert.True(model.IsFused);
        var folded = NoGrad(() => model.Forward(input));
        Assert.NotEqual(unfolded.ToArray(), folded.ToArray());
        double r = Agreement.Check(unfolded, folded, 1e-5, name + " folded logits");
        Agreement.Check(ResnetFixture.Expected(name, "eval_logits"), folded, Tol, name + " folded logits against torchvision");
        Assert.Equal(keys, model.StateDict().Keys);
        Assert.Equal(before, model.StateDict().Values.Select(t => t.ToArray()));
        output.WriteLine($"{name}: folded against unfolded logits max relative deviation {r:E2}");
    }

    [Fact]
    public void Folded_dc5_body_gives_torchvisions_layer4_map()
    {
        var body = new IntermediateLayerGetter(ResnetFixture.Model("dc5"), ResnetFixture.ReturnLayers["dc5"]);
        body.FuseForInference();
        OrderedDictionary<string, Tensor> maps;
        using (GradMode.NoGrad()) maps = body.Forward(ResnetFixture.Expected("dc5", "input"));
        Assert.True(body.Model.IsFused);
        Agreement.Check(ResnetFixture.Expected("dc5", "feature.0"), maps["0"], Tol, "folded dc5 layer4");
    }
}
