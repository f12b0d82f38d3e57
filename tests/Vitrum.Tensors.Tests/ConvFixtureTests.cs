using System.Text.Json;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// Convolution, unfold/fold, pooling, batch norm and interpolation against PyTorch 1.13
/// (tests/fixtures/ops/conv.json, made by tools/fixtures/gen_conv.py): outputs, input gradients,
/// and for batch norm the running statistics after the call.
/// </summary>
public class ConvFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("conv").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv_family_op_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("conv", name);
        Tensor? runningMean = null, runningVar = null;
        Func<Tensor[], Tensor> f = c.Op switch
        {
            "conv2d" => x => Ops.Conv2d(x[0], x[1], x.Length > 2 ? x[2] : null, Pair(c, "stride", 1), Pair(c, "padding", 0),
                Pair(c, "dilation", 1), c.HasArg("groups") ? c.IntArg("groups") : 1),
            "unfold" => x => Ops.Unfold(x[0], Pair(c, "kernel_size", 0), Pair(c, "dilation", 1), Pair(c, "padding", 0), Pair(c, "stride", 1)),
            "fold" => x => Ops.Fold(x[0], Pair(c, "output_size", 0), Pair(c, "kernel_size", 0), Pair(c, "dilation", 1),
                Pair(c, "padding", 0), Pair(c, "stride", 1)),
            "max_pool2d" => x => Ops.MaxPool2d(x[0], Pair(c, "kernel_size", 0), Pair(c, "stride", 0), Pair(c, "padding", 0),
                Pair(c, "dilation", 1), c.BoolArg("ceil_mode")),
            "avg_pool2d" => x => Ops.AvgPool2d(x[0], Pair(c, "kernel_size", 0), Pair(c, "stride", 0), Pair(c, "padding", 0),
                c.BoolArg("ceil_mode"), c.BoolArg("count_include_pad"), c.HasArg("divisor_override") ? c.IntArg("divisor_override") : null),
            "adaptive_avg_pool2d" => x => Ops.AdaptiveAvgPool2d(x[0], Pair(c, "output_size", 0)),
            "batch_norm" => x =>
            {
                (runningMean, runningVar) = (x[1], x[2]);
                return Ops.BatchNorm(x[0], x[1], x[2], x[3], x[4], c.BoolArg("training"), Momentum(c), Eps(c));
            },
            "batch_norm_plain" => x =>
            {
                (runningMean, runningVar) = (x[1], x[2]);
                return Ops.BatchNorm(x[0], x[1], x[2], null, null, c.BoolArg("training"), Momentum(c), Eps(c));
            },
            "batch_norm_no_running" => x => Ops.BatchNorm(x[0], null, null, x[1], x[2], c.BoolArg("training"), Momentum(c), Eps(c)),
            "interpolate" => x => Ops.Interpolate(x[0], Pair(c, "size", 0), Mode(c), AlignCorners(c)),
            "interpolate_scale" => x => Ops.InterpolateByScale(x[0], c.DoubleArg("scale_factor"), Mode(c), AlignCorners(c),
                c.HasArg("recompute_scale_factor") && c.BoolArg("recompute_scale_factor")),
            _ => throw new InvalidOperationException($"no mapping for fixture op {c.Op}"),
        };
        Fixture.Check(c, f, rtol: 1e-4, atol: 2e-5);
        if (runningMean == null) return;
        GradCheck.Close(Floats(c.Arg("running_mean_after")), runningMean.ToArray(), 1e-5, 1e-6, $"{name} running mean");
        GradCheck.Close(Floats(c.Arg("running_var_after")), runningVar!.ToArray(), 1e-5, 1e-6, $"{name} running var");
    }

    /// <summary>A PyTorch int-or-pair argument (missing means <paramref name="fallback"/>).</summary>
    private static Size2 Pair(FixtureCase c, string name, int fallback)
    {
        if (!c.HasArg(name)) return fallback;
        var a = c.Arg(name);
        return a.ValueKind == JsonValueKind.Array ? (a[0].GetInt32(), a[1].GetInt32()) : a.GetInt32();
    }

    private static float Momentum(FixtureCase c) => (float)c.DoubleArg("momentum");
    private static float Eps(FixtureCase c) => (float)c.DoubleArg("eps");
    private static bool AlignCorners(FixtureCase c) => c.HasArg("align_corners") && c.BoolArg("align_corners");

    private static InterpolateMode Mode(FixtureCase c) => c.Arg("mode").GetString() switch
    {
        "nearest" => InterpolateMode.Nearest,
        "bilinear" => InterpolateMode.Bilinear,
        "bicubic" => InterpolateMode.Bicubic,
        var m => throw new InvalidOperationException($"unknown interpolation mode {m}"),
    };

    private static float[] Floats(JsonElement a) => a.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
}
