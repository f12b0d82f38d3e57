using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Math, selection and comparison ops against PyTorch (tests/fixtures/ops/elementwise.json, made by tools/fixtures/gen_elementwise.py).</summary>
public class ElementwiseFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("elementwise").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Elementwise_op_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("elementwise", name);
        Func<Tensor[], Tensor> f = c.Op switch
        {
            "pow_scalar" => x => Ops.Pow(x[0], (float)c.DoubleArg("e")),
            "pow" => x => Ops.Pow(x[0], x[1]),
            "sqrt" => x => Ops.Sqrt(x[0]),
            "rsqrt" => x => Ops.Rsqrt(x[0]),
            "abs" => x => Ops.Abs(x[0]),
            "erf" => x => Ops.Erf(x[0]),
            "clamp" => x => Ops.Clamp(x[0], (float)c.DoubleArg("min"), (float)c.DoubleArg("max")),
            "clamp_min" => x => Ops.Clamp(x[0], min: (float)c.DoubleArg("min")),
            "clamp_max" => x => Ops.Clamp(x[0], max: (float)c.DoubleArg("max")),
            "maximum" => x => Ops.Maximum(x[0], x[1]),
            "minimum" => x => Ops.Minimum(x[0], x[1]),
            "where" => x => Ops.Where(x[0], x[1], x[2]),
            "masked_fill" => x => Ops.MaskedFill(x[0], x[1], (float)c.DoubleArg("value")),
            "eq" => x => Ops.Eq(x[0], x[1]),
            "ne" => x => Ops.Ne(x[0], x[1]),
            "gt" => x => Ops.Gt(x[0], x[1]),
            "ge" => x => Ops.Ge(x[0], x[1]),
            "lt" => x => Ops.Lt(x[0], x[1]),
            "le" => x => Ops.Le(x[0], x[1]),
            _ => throw new InvalidOperationException($"no mapping for fixture op {c.Op}"),
        };
        Fixture.Check(c, f);
    }
}
