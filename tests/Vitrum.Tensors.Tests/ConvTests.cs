using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Tests.Support;
using Vitrum.Tensors.Threading;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class ConvTests
{
    /// <summary>input, weight, bias, stride, padding, dilation, groups: plain, strided and padded, dilated,
    /// grouped, depthwise (strided; dilated and padded; with a channel multiplier), pointwise (plain and
    /// strided), patch embedding (exact and with a margin).</summary>
    public static TheoryData<int[], int[], bool, int, int, int, int> ConvConfigs() => new()
    {
        { new[] { 2, 2, 5, 4 }, new[] { 3, 2, 3, 2 }, true, 1, 0, 1, 1 },
        { new[] { 1, 2, 6, 5 }, new[] { 2, 2, 3, 3 }, true, 2, 1, 1, 1 },
        { new[] { 1, 1, 7, 6 }, new[] { 2, 1, 2, 3 }, false, 1, 2, 2, 1 },
        { new[] { 2, 4, 4, 4 }, new[] { 6, 2, 2, 2 }, true, 1, 1, 1, 2 },
        { new[] { 1, 3, 5, 5 }, new[] { 3, 1, 3, 3 }, true, 2, 1, 1, 3 },
        { new[] { 2, 2, 5, 6 }, new[] { 2, 1, 3, 2 }, false, 1, 1, 2, 2 },
        { new[] { 1, 2, 4, 4 }, new[] { 4, 1, 2, 2 }, true, 1, 1, 1, 2 },
        { new[] { 2, 3, 3, 4 }, new[] { 2, 3, 1, 1 }, true, 1, 0, 1, 1 },
        { new[] { 1, 2, 5, 5 }, new[] { 3, 2, 1, 1 }, false, 2, 0, 1, 1 },
        { new[] { 2, 2, 4, 6 }, new[] { 3, 2, 2, 2 }, true, 2, 0, 1, 1 },
        { new[] { 1, 2, 7, 5 }, new[] { 2, 2, 3, 3 }, false, 3, 0, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(ConvConfigs))]
    public void Conv2d_gradients_match_finite_differences(int[] xShape, int[] wShape, bool bias, int stride, int padding, int dilation, int groups)
    {
        var inputs = new List<Tensor> { GradCheck.Rand(1, xShape), GradCheck.Rand(2, wShape) };
        if (bias) inputs.Add(GradCheck.Rand(3, wShape[0]));
        GradCheck.Check(x => Ops.Conv2d(x[0], x[1], bias ? x[2] : null, stride, padding, dilation, groups), inputs.ToArray());
    }

    [Theory]
    [InlineData(new[] { 2, 8, 9, 9 }, new[] { 8, 1, 3, 3 }, 1, 1, 8, nameof(ConvPath.Depthwise))]
    [InlineData(new[] { 2, 8, 9, 9 }, new[] { 16, 8, 1, 1 }, 1, 0, 1, nameof(ConvPath.Pointwise))]
    [InlineData(new[] { 2, 3, 32, 32 }, new[] { 16, 3, 16, 16 }, 16, 0, 1, nameof(ConvPath.Patches))]
    [InlineData(new[] { 2, 8, 9, 9 }, new[] { 16, 8, 1, 1 }, 2, 0, 1, nameof(ConvPath.Columns))]
    [InlineData(new[] { 2, 8, 9, 9 }, new[] { 16, 1, 3, 3 }, 1, 1, 8, nameof(ConvPath.Columns))]
    public void Conv2d_picks_the_cheapest_path_for_its_shape(int[] xShape, int[] wShape, int stride, int padding, int groups, string path)
    {
        var g = Window2d.Create("Conv2d", xShape, xShape[1], xShape[2], xShape[3], (wShape[2], wShape[3]), stride, padding, 1);
        Assert.Equal(Enum.Parse<ConvPath>(path), new Conv2dPlan(g, wShape[0], groups).Path);
    }

    [Fact]
    public void Conv2d_of_an_unbatched_image_matches_the_batched_result_and_its_gradients()
    {
        var x = GradCheck.Rand(4, 3, 5, 5);
        var w = GradCheck.Rand(5, 2, 3, 3, 3);
        var batched = Ops.Conv2d(x.Unsqueeze(0), w, padding: 1).Squeeze(0).ToArray();
        Assert.Equal(batched, Ops.Conv2d(x, w, padding: 1).ToArray());
        GradCheck.Check(t => Ops.Conv2d(t[0], t[1], padding: 1), new[] { x, w });
    }

    [Fact]
    public void Conv2d_equals_weight_times_unfolded_columns()
    {
        var x = GradCheck.Rand(6, 2, 3, 6, 7);
        var w = GradCheck.Rand(7, 4, 3, 3, 2);
        var y = Ops.Conv2d(x, w, stride: (2, 1), padding: (1, 0), dilation: (1, 2));
        var cols = Ops.Unfold(x, (3, 2), dilation: (1, 2), padding: (1, 0), stride: (2, 1));
        var viaMatMul = Ops.MatMul(w.Reshape(4, -1), cols).Reshape(y.Shape);
        GradCheck.Close(viaMatMul.ToArray(), y.ToArray(), 1e-5, 1e-5, "conv vs W @ unfold(x)");
    }

    /// <summary>Shapes that send the backward pass down each schedule (on a pool of 2+ threads), with
    /// GEMMs and, for depthwise convs (one output channel per group), row passes.</summary>
    public static TheoryData<string, int[], int[], int, int, int> ScheduleConfigs() => new()
    {
        { nameof(ConvSchedule.Serial), new[] { 1, 16, 24, 24 }, new[] { 32, 16, 3, 3 }, 1, 1, 1 },
        { nameof(ConvSchedule.ImageLanes), new[] { 3, 8, 8, 8 }, new[] { 8, 8, 3, 3 }, 1, 1, 1 },
        { nameof(ConvSchedule.ImageLanes), new[] { 3, 4, 32, 32 }, new[] { 6, 2, 4, 4 }, 4, 0, 2 },
        { nameof(ConvSchedule.ImageLanes), new[] { 4, 16, 16, 16 }, new[] { 16, 16, 1, 1 }, 1, 0, 1 },
        { nameof(ConvSchedule.Groups), new[] { 1, 16, 12, 12 }, new[] { 16, 4, 3, 3 }, 1, 1, 4 },
        { nameof(ConvSchedule.ImageLanes), new[] { 2, 8, 16, 16 }, new[] { 8, 1, 3, 3 }, 1, 1, 8 },
        { nameof(ConvSchedule.Groups), new[] { 1, 16, 16, 16 }, new[] { 16, 1, 5, 5 }, 1, 2, 16 },
    };

    [Theory]
    [MemberData(nameof(ScheduleConfigs))]
    public void Conv2d_matches_direct_loops_on_every_schedule(string schedule, int[] xShape, int[] wShape, int stride, int padding, int groups)
    {
        var g = Window2d.Create("Conv2d", xShape, xShape[1], xShape[2], xShape[3], (wShape[2], wShape[3]), stride, padding, 1);
        var expected = WorkerPool.ThreadCount > 1 ? Enum.Parse<ConvSchedule>(schedule) : ConvSchedule.Serial;
        Assert.Equal(expected, new Conv2dPlan(g, wShape[0], groups).BackwardSchedule(xShape[0]));
        var x = GradCheck.Rand(10, xShape).RequireGrad();
        var w = GradCheck.Rand(11, wShape).RequireGrad();
        var b = GradCheck.Rand(12, wShape[0]).RequireGrad();
        var y = Ops.Conv2d(x, w, b, stride, padding, 1, groups);
        var gy = GradCheck.Rand(13, y.Shape);
        y.Backward(gy);
        var r = NaiveConv.Run(x, w, b, gy, stride, padding, groups);
        GradCheck.Close(r.Y, y.ToArray(), 1e-4, 1e-4, $"{schedule} output");
        GradCheck.Close(r.Dx, x.Grad!.ToArray(), 1e-4, 1e-4, $"{schedule} dx");
        GradCheck.Close(r.Dw, w.Grad!.ToArray(), 1e-4, 1e-4, $"{schedule} dw");
        GradCheck.Close(r.Db, b.Grad!.ToArray(), 1e-4, 1e-4, $"{schedule} db");
    }

    [Theory]
    [InlineData(1, 1, 2, 1)]
    [InlineData(3, 0, 3, 3)]
    [InlineData(2, 2, 3, 2)]
    public unsafe void Conv2d_in_bands_of_output_rows_matches_the_whole_image(int stride, int padding, int kh, int kw)
    {
        var x = GradCheck.Rand(20, 2, 3, 9, 8);
        var w = GradCheck.Rand(21, 4, 3, kh, kw);
        var gy = GradCheck.Rand(22, Ops.Conv2d(x, w, null, stride, padding).Shape);
        var g = Window2d.Create("Conv2d", x.Shape, 3, 9, 8, (kh, kw), stride, padding, 1);
        // A scratch of one output row's columns forces one GEMM per output row.
        var plan = new Conv2dPlan(g, 4, 1, bandFloats: 3 * kh * kw * g.Ow);
        Assert.True(plan.BandRows == 1 && g.Oh > 1, "the plan should use one band per output row");
        var y = Tensor.Empty(gy.Shape);
        var dx = Tensor.Empty(x.Shape);
        var dw = Tensor.Zeros(w.Shape);
        plan.Forward(x.Ptr, w.Ptr, null, y.Ptr, 2);
        plan.Backward(x.Ptr, w.Ptr, gy.Ptr, dx.Ptr, dw.Ptr, null, 2);
        var r = NaiveConv.Run(x, w, null, gy, stride, padding, 1);
        GradCheck.Close(r.Y, y.ToArray(), 1e-4, 1e-4, "banded output");
        GradCheck.Close(r.Dx, dx.ToArray(), 1e-4, 1e-4, "banded dx");
        GradCheck.Close(r.Dw, dw.ToArray(), 1e-4, 1e-4, "banded dw");
    }

    [Fact]
    public void Unfold_and_fold_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Unfold(x[0], (2, 3), padding: (1, 0), stride: (2, 1)), new[] { GradCheck.Rand(30, 2, 2, 5, 4) });
        GradCheck.Check(x => Ops.Unfold(x[0], 2, dilation: 2, padding: 1, stride: 2), new[] { GradCheck.Rand(31, 1, 2, 6, 6) });
        GradCheck.Check(x => Ops.Unfold(x[0], 2), new[] { GradCheck.Rand(32, 2, 3, 3) });
        GradCheck.Check(x => Ops.Fold(x[0], (4, 5), 2), new[] { GradCheck.Rand(33, 2, 8, 12) });
        GradCheck.Check(x => Ops.Fold(x[0], (5, 5), (2, 3), dilation: (2, 1), padding: 1, stride: 2), new[] { GradCheck.Rand(34, 1, 6, 9) });
    }

    [Fact]
    public void Fold_is_the_adjoint_of_unfold()
    {
        // <unfold(x), c> == <x, fold(c)> for every x and c: fold sums exactly what unfold copied.
        var x = GradCheck.Rand(40, 2, 3, 7, 6);
        var unfolded = Ops.Unfold(x, (3, 2), dilation: (2, 1), padding: (2, 1), stride: (1, 2));
        var c = GradCheck.Rand(41, unfolded.Shape);
        var folded = Ops.Fold(c, (7, 6), (3, 2), dilation: (2, 1), padding: (2, 1), stride: (1, 2));
        double lhs = Dot(unfolded.ToArray(), c.ToArray()), rhs = Dot(x.ToArray(), folded.ToArray());
        Assert.True(Math.Abs(lhs - rhs) < 1e-3, $"<unfold x, c> = {lhs}, <x, fold c> = {rhs}");
    }

    [Fact]
    public void Unfold_places_window_taps_in_rows_and_positions_in_columns()
    {
        var x = Tensor.FromArray(Enumerable.Range(1, 12).Select(i => (float)i).ToArray(), 1, 1, 3, 4);
        var cols = Ops.Unfold(x, 2, padding: (0, 1), stride: (1, 2));
        // Windows start at columns -1, 1 and 3 of rows 0 and 1; columns -1 and 4 are padding.
        Assert.Equal(new[] { 1, 4, 6 }, cols.Shape);
        Assert.Equal(new float[]
        {
            0, 2, 4, 0, 6, 8,
            1, 3, 0, 5, 7, 0,
            0, 6, 8, 0, 10, 12,
            5, 7, 0, 9, 11, 0,
        }, cols.ToArray());
    }

    [Fact]
    public void Conv2d_rejects_bad_inputs_naming_op_and_shapes()
    {
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(1, 3, 5, 5), Tensor.Zeros(4, 2, 3, 3)), "Conv2d", "[1, 3, 5, 5]", "[4, 2, 3, 3]");
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(1, 6, 5, 5), Tensor.Zeros(4, 2, 3, 3), groups: 4), "Conv2d", "groups 4", "[1, 6, 5, 5]");
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(1, 6, 5, 5), Tensor.Zeros(5, 3, 3, 3), groups: 2), "Conv2d", "[5, 3, 3, 3]");
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(1, 2, 3, 3), Tensor.Zeros(4, 2, 5, 3)), "Conv2d", "larger than the padded input", "[1, 2, 3, 3]");
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(1, 2, 3, 3), Tensor.Zeros(4, 2, 3, 3), dilation: 2), "Conv2d", "dilation (2, 2)");
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(2, 3), Tensor.Zeros(4, 2, 1, 1)), "Conv2d", "[2, 3]");
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(1, 2, 3, 3), Tensor.Zeros(4, 2, 3)), "Conv2d", "[4, 2, 3]");
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(1, 2, 3, 3), Tensor.Zeros(4, 2, 1, 1), Tensor.Zeros(3)), "Conv2d", "bias [3]");
        AssertBad(() => Ops.Conv2d(Tensor.Zeros(1, 2, 3, 3), Tensor.Zeros(4, 2, 1, 1), stride: 0), "Conv2d", "stride (0, 0)");
        AssertBad(() => Ops.Conv2d(Tensor.LongZeros(1, 2, 3, 3), Tensor.Zeros(4, 2, 1, 1)), "Conv2d", "Int64");
    }

    [Fact]
    public void Unfold_and_fold_reject_bad_inputs_naming_op_and_shapes()
    {
        AssertBad(() => Ops.Unfold(Tensor.Zeros(2, 3), 2), "Unfold", "[2, 3]");
        AssertBad(() => Ops.Unfold(Tensor.Zeros(1, 1, 2, 2), 3), "Unfold", "larger than the padded input", "[1, 1, 2, 2]");
        AssertBad(() => Ops.Fold(Tensor.Zeros(1, 12, 5), (4, 4), 2), "Fold", "[1, 12, 5]", "9");
        AssertBad(() => Ops.Fold(Tensor.Zeros(1, 10, 9), (4, 4), 2), "Fold", "[1, 10, 9]", "kernel area");
        AssertBad(() => Ops.Fold(Tensor.Zeros(1, 2, 4, 9), (4, 4), 2), "Fold", "[1, 2, 4, 9]");
        AssertBad(() => Ops.Fold(Tensor.Zeros(1, 4, 9), (0, 4), 2), "Fold", "output size (0, 4)");
    }

    internal static void AssertBad(Action call, params string[] expected)
    {
        var ex = Assert.Throws<ArgumentException>(call);
        foreach (var e in expected) Assert.Contains(e, ex.Message);
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    /// <summary>Convolution and its gradients by direct loops in double (dilation 1), the reference for the GEMM schedules.</summary>
    private static class NaiveConv
    {
        public sealed record Result(float[] Y, float[] Dx, float[] Dw, float[] Db);

        public static Result Run(Tensor xt, Tensor wt, Tensor? bt, Tensor gyt, int s, int p, int groups)
        {
            float[] x = xt.ToArray(), w = wt.ToArray(), gy = gyt.ToArray();
            int n = xt.Shape[0], cin = xt.Shape[1], h = xt.Shape[2], wd = xt.Shape[3];
            int cout = wt.Shape[0], cig = wt.Shape[1], kh = wt.Shape[2], kw = wt.Shape[3];
            int oh = gyt.Shape[2], ow = gyt.Shape[3], cog = cout / groups;
            var y = new double[n * cout * oh * ow];
            var dx = new double[x.Length];
            var dw = new double[w.Length];
            var db = new double[cout];
            var bias = bt?.ToArray();
            for (int b = 0; b < n; b++)
                for (int co = 0; co < cout; co++)
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++)
                        {
                            int o = ((b * cout + co) * oh + oy) * ow + ox;
                            double acc = bias?[co] ?? 0;
                            db[co] += gy[o];
                            for (int ci = 0; ci < cig; ci++)
                                for (int i = 0; i < kh; i++)
                                    for (int j = 0; j < kw; j++)
                                    {
                                        int iy = oy * s - p + i, ix = ox * s - p + j;
                                        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                        int xi = ((b * cin + co / cog * cig + ci) * h + iy) * wd + ix;
                                        int wi = ((co * cig + ci) * kh + i) * kw + j;
                                        acc += (double)x[xi] * w[wi];
                                        dx[xi] += (double)gy[o] * w[wi];
                                        dw[wi] += (double)gy[o] * x[xi];
                                    }
                            y[o] = acc;
                        }
            return new Result(ToFloat(y), ToFloat(dx), ToFloat(dw), ToFloat(db));
        }

        private static float[] ToFloat(double[] a) => Array.ConvertAll(a, v => (float)v);
    }
}
