using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Core ops against PyTorch (tests/fixtures/ops/core.json, made by tools/fixtures/gen_core.py).</summary>
public class CoreFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("core").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Core_op_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("core", name);
        Func<Tensor[], Tensor> f = c.Op switch
        {
            "add" => x => Ops.Add(x[0], x[1]),
            "sub" => x => Ops.Sub(x[0], x[1]),
            "mul" => x => Ops.Mul(x[0], x[1]),
            "div" => x => Ops.Div(x[0], x[1]),
            "neg" => x => Ops.Neg(x[0]),
            "exp" => x => Ops.Exp(x[0]),
            "log" => x => Ops.Log(x[0]),
            "sum" when c.Name == "sum_all" => x => Ops.Sum(x[0]),
            "sum" => x => Ops.Sum(x[0], new[] { 0, 2 }, keepDim: true),
            "matmul" => x => Ops.MatMul(x[0], x[1]),
            "matmul_bt" => x => Ops.MatMul(x[0], x[1].T),
            "softmax" => x => Ops.Softmax(x[0]),
            "softmax_axis1" => x => Ops.Softmax(x[0], 1),
            "log_softmax" => x => Ops.LogSoftmax(x[0]),
            "permute_reshape" => x => x[0].Permute(2, 0, 1).Reshape(4, 6),
            _ => throw new InvalidOperationException($"no mapping for fixture op {c.Op}"),
        };
        Fixture.Check(c, f);
    }
}
