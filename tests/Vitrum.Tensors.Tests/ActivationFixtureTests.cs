using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Activations and dropout against PyTorch (tests/fixtures/ops/activations.json, made by tools/fixtures/gen_activations.py).</summary>
public class ActivationFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("activations").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Activation_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("activations", name);
        Func<Tensor[], Tensor> f = c.Op switch
        {
            "relu" => x => Ops.Relu(x[0]),
            "tanh" => x => Ops.Tanh(x[0]),
            "sigmoid" => x => Ops.Sigmoid(x[0]),
            "silu" => x => Ops.Silu(x[0]),
            "gelu" => x => Ops.Gelu(x[0]),
            "gelu_tanh" => x => Ops.Gelu(x[0], GeluApproximation.Tanh),
            "dropout" => x => Ops.Dropout(x[0], (float)c.DoubleArg("p"), c.BoolArg("training"), new Generator(1)),
            _ => throw new InvalidOperationException($"no mapping for fixture op {c.Op}"),
        };
        Fixture.Check(c, f);
    }
}
