using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Layer normalization against PyTorch (tests/fixtures/ops/layer_norm.json, made by tools/fixtures/gen_layer_norm.py).</summary>
public class LayerNormFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("layer_norm").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void LayerNorm_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("layer_norm", name);
        var shape = c.IntsArg("shape");
        float eps = (float)c.DoubleArg("eps");
        Func<Tensor[], Tensor> f = c.Op switch
        {
            "layer_norm" => x => Ops.LayerNorm(x[0], shape, x[1], x[2], eps),
            "layer_norm_weight" => x => Ops.LayerNorm(x[0], shape, x[1], null, eps),
            "layer_norm_plain" => x => Ops.LayerNorm(x[0], shape, null, null, eps),
            _ => throw new InvalidOperationException($"no mapping for fixture op {c.Op}"),
        };
        Fixture.Check(c, f, rtol: 1e-4, atol: 2e-5);
    }
}
