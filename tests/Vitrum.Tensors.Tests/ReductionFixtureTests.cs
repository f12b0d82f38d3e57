using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Mean, var, max/min and argmax/argmin against PyTorch (tests/fixtures/ops/reduction.json, made by tools/fixtures/gen_reduction.py).</summary>
public class ReductionFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("reduction").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduction_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("reduction", name);
        int[]? axes = c.HasArg("axes") ? c.IntsArg("axes") : null;
        bool keep = c.HasArg("keepdim") && c.BoolArg("keepdim");
        Func<Tensor[], Tensor> f = c.Op switch
        {
            "mean" => x => Ops.Mean(x[0], axes, keep),
            "var" => x => Ops.Var(x[0], axes, c.HasArg("correction") ? c.IntArg("correction") : 1, keep),
            "max_dim" => x => Ops.Max(x[0], c.IntArg("axis"), keep),
            "min_dim" => x => Ops.Min(x[0], c.IntArg("axis"), keep),
            "max_all" => x => Ops.Max(x[0]),
            "min_all" => x => Ops.Min(x[0]),
            "argmax" => x => Ops.ArgMax(x[0], c.IntArg("axis"), keep),
            "argmin" => x => Ops.ArgMin(x[0], c.IntArg("axis"), keep),
            "argmax_flat" => x => Ops.ArgMax(x[0]),
            _ => throw new InvalidOperationException($"no mapping for fixture op {c.Op}"),
        };
        Fixture.Check(c, f);
    }
}
