using System.Text.Json;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Cross entropy with every option against PyTorch (tests/fixtures/ops/cross_entropy.json, made by tools/fixtures/gen_cross_entropy.py).</summary>
public class CrossEntropyFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("cross_entropy").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void CrossEntropy_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("cross_entropy", name);
        Assert.Equal("ce", c.Op);
        var weight = c.HasArg("weight") ? Tensor.FromArray(c.Arg("weight").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()) : null;
        long ignore = c.HasArg("ignore_index") ? c.Arg("ignore_index").GetInt64() : -100;
        float smoothing = c.HasArg("label_smoothing") ? (float)c.DoubleArg("label_smoothing") : 0f;
        var reduction = c.HasArg("reduction") ? ParseReduction(c.Arg("reduction")) : Reduction.Mean;
        Fixture.Check(c, x => Ops.CrossEntropy(x[0], x[1], weight, ignore, smoothing, reduction));
    }

    private static Reduction ParseReduction(JsonElement e) => e.GetString() switch
    {
        "none" => Reduction.None,
        "sum" => Reduction.Sum,
        "mean" => Reduction.Mean,
        var s => throw new InvalidOperationException($"unknown reduction {s}"),
    };
}
