using System.Diagnostics;
using System.Globalization;
using Vitrum.Models;
using Vitrum.Models.Resnet;
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// A ResNet's inference time with its norms as separate ops and folded into the convolutions, then the time of every
/// distinct convolution of the forward pass run alone (how many the model has, their share, GFLOP/s), to see where
/// the time goes: the 7x7 stem, the 3x3s, the 1x1s (stride 1: a GEMM on the NCHW map; stride 2: im2col first).
/// Usage: <c>resnet [PRESET or CONFIG.json] [BATCH] [ROUNDS] [THREADS] [HxW] [brief]</c> (HxW defaults to the preset's
/// size; DETR's inputs are 800x1066; "brief" prints the two inference times only). With THREADS 1 the times are the thread's CPU time, which a shared machine disturbs
/// far less than wall time.
/// </summary>
public sealed class ResnetForward : ISideBySide
{
    public string Name => "resnet";
    public string Description => "ResNet preset: inference unfolded and folded, time per distinct convolution";

    private sealed record ConvCase(int Cin, int Cout, int K, int Stride, int Pad, int Dilation, int Groups, int H, int W)
    {
        public long Macs(int batch) => (long)batch * Cout * OutH * OutW * (Cin / Groups) * K * K;
        public int OutH => (H + 2 * Pad - Dilation * (K - 1) - 1) / Stride + 1;
        public int OutW => (W + 2 * Pad - Dilation * (K - 1) - 1) / Stride + 1;
        public override string ToString() =>
            $"{K}x{K} s{Stride}{(Dilation > 1 ? $" d{Dilation}" : "")} {Cin,4}->{Cout,-4} @{H}x{W}";
    }

    public int Run(string[] args)
    {
        var preset = args.Length > 0 ? args[0] : "resnet50";
        int batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7;
        if (args.Length > 3) WorkerPool.ThreadCount = int.Parse(args[3], CultureInfo.InvariantCulture);
        var cfg = (ResnetConfig)ModelRegistry.Resolve(preset);
        var size = args.Length > 4 ? args[4].Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : new[] { cfg.ImgSize, cfg.ImgSize };
        Func<double> clock = WorkerPool.ThreadCount == 1 ? ThreadClock.Milliseconds : () => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        var model = new ResNet(cfg, 1);
        model.Eval();
        var cases = Convolutions(model, size[0], size[1]);
        double gmacs = cases.Sum(c => c.Value * c.Key.Macs(batch)) / 1e9;
        Console.WriteLine($"{preset}: {model.ParameterCount():N0} parameters, {gmacs:F3} GMACs in convolutions at batch {batch} {size[0]}x{size[1]}, " +
            $"{WorkerPool.ThreadCount} threads ({(WorkerPool.ThreadCount == 1 ? "thread CPU time" : "wall time")})");
        Tensor x;
        using (TensorScope.Suppress()) x = Tensor.Randn(new Generator(2), batch, cfg.InChans, size[0], size[1]);
        void Forward()
        {
            using var _ = GradMode.NoGrad();
            model.Forward(x);
        }
        var unfolded = Median(SideBySideTiming.ScopedRounds(rounds, clock, Forward));
        model.FuseForInference();
        var folded = Median(SideBySideTiming.ScopedRounds(rounds, clock, Forward));
        Console.WriteLine($"  inference: {unfolded:F1} ms with separate norms, {folded:F1} ms folded ({gmacs * 2 / folded * 1e3:F0} GFLOP/s overall)");
        if (args.Length > 5 && args[5] == "brief") return 0;
        double convTotal = 0;
        Console.WriteLine($"  {"convolution",-34} {"count",5} {"ms each",8} {"ms total",9} {"GFLOP/s",8} {"GEMM ms",8}");
        foreach (var (c, count) in cases.OrderByDescending(kv => kv.Value * kv.Key.Macs(batch)))
        {
            Tensor input, weight;
            using (TensorScope.Suppress())
            {
                input = Tensor.Randn(new Generator(3), batch, c.Cin, c.H, c.W);
                weight = Tensor.Randn(new Generator(4), c.Cout, c.Cin / c.Groups, c.K, c.K);
            }
            double ms = Median(SideBySideTiming.ScopedRounds(rounds, clock, () =>
            {
                using var _ = GradMode.NoGrad();
                Ops.Conv2d(input, weight, null, c.Stride, c.Pad, c.Dilation, c.Groups);
            }));
            convTotal += ms * count;
            Console.WriteLine($"  {c,-34} {count,5} {ms,8:F2} {ms * count,9:F1} {2e-6 * c.Macs(batch) / ms,8:F0} {GemmAlone(c, batch, rounds, clock),8:F2}");
            input.Dispose();
            weight.Dispose();
        }
        Console.WriteLine($"  convolutions alone: {convTotal:F1} ms of the folded forward's {folded:F1} ms");
        Console.WriteLine("  time per op kind of a forward with the tape on (norms unfolded, as in training; the tape costs little):");
        model.FuseForInference(fuse: false);
        OpProfile.Print(rounds, clock, () =>
        {
            using var _ = new TensorScope();
            model.Forward(x);
        });
        return 0;
    }

    /// <summary>The GEMM the convolution comes down to, [Cout, Cin k k] x [Cin k k, Oh Ow] per image, on ready operands.</summary>
    private static unsafe double GemmAlone(ConvCase c, int batch, int rounds, Func<double> clock)
    {
        int m = c.Cout, n = c.OutH * c.OutW, k = c.Cin / c.Groups * c.K * c.K;
        Tensor a, b, y;
        using (TensorScope.Suppress())
        {
            a = Tensor.Randn(new Generator(5), m, k);
            b = Tensor.Randn(new Generator(6), k, n);
            y = Tensor.Empty(new[] { m, n });
        }
        double ms = Median(SideBySideTiming.ScopedRounds(rounds, clock, () =>
        {
            for (int i = 0; i < batch * c.Groups; i++) Vitrum.Tensors.Kernels.Gemm.Sgemm(m / c.Groups, n, k, a.Ptr, k, 1, b.Ptr, n, 1, y.Ptr, n, false);
        }));
        a.Dispose();
        b.Dispose();
        y.Dispose();
        return ms;
    }

    /// <summary>Every convolution of the forward pass with its input size, counted by configuration.</summary>
    private static Dictionary<ConvCase, int> Convolutions(ResNet model, int h, int w)
    {
        var cases = new Dictionary<ConvCase, int>();
        ConvCase Add(Conv2d conv, int ih, int iw)
        {
            var c = new ConvCase(conv.Weight.Shape[1] * conv.Groups, conv.Weight.Shape[0], conv.Weight.Shape[2], conv.Stride.H, conv.Padding.H,
                conv.Dilation.H, conv.Groups, ih, iw);
            cases[c] = cases.GetValueOrDefault(c) + 1;
            return c;
        }
        var stem = Add(model.Conv1, h, w);
        (h, w) = ((stem.OutH + 2 - 3) / 2 + 1, (stem.OutW + 2 - 3) / 2 + 1);
        foreach (var block in model.Stages.SelectMany(s => s.Blocks))
        {
            int bh = h, bw = w;
            foreach (var (name, m) in block.NamedChildren())
            {
                if (m is Conv2d conv)
                {
                    var c = Add(conv, h, w);
                    (h, w) = (c.OutH, c.OutW);
                }
                else if (name == "downsample") Add((Conv2d)((Sequential)m)[0], bh, bw);
            }
        }
        return cases;
    }

    private static double Median(List<double> sorted) => sorted[sorted.Count / 2];
}
