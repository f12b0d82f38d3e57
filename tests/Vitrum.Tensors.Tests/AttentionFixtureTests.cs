using System.Text.Json;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// Attention against PyTorch (tests/fixtures/ops/attention.json, made by tools/fixtures/gen_attention.py):
/// inputs are q, k, v, then the mask and the bias when the case has them.
/// </summary>
public class AttentionFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("attention").Select(c => c.Name));

    private static Func<Tensor[], Tensor> Attention(FixtureCase c, bool fused)
    {
        bool hasMask = c.HasArg("mask") && c.BoolArg("mask");
        bool hasBias = c.HasArg("bias") && c.BoolArg("bias");
        double? scale = c.HasArg("scale") && c.Arg("scale").ValueKind != JsonValueKind.Null ? c.DoubleArg("scale") : null;
        bool causal = c.HasArg("is_causal") && c.BoolArg("is_causal");
        return x =>
        {
            var mask = hasMask ? x[3] : null;
            var bias = hasBias ? x[hasMask ? 4 : 3] : null;
            return fused
                ? Ops.ScaledDotProductAttention(x[0], x[1], x[2], mask, bias, scale, causal)
                : Ops.AttentionUnfused(x[0], x[1], x[2], mask, bias, scale, causal, out _);
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_attention_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("attention", name);
        Assert.Equal("sdpa", c.Op);
        Fixture.Check(c, Attention(c, fused: true));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unfused_attention_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("attention", name);
        Fixture.Check(c, Attention(c, fused: false));
    }
}
