using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// The packed self-attention op on the many small heads of Swin and TNT, one thread, thread CPU time (a loaded
/// machine disturbs it little): microseconds per head forward and forward+backward, and GFLOP/s of the two
/// products (QK^T, PV; the backward's five) against the core's FMA ceiling (236 GFLOP/s here, PERFORMANCE.md).
/// Shapes: Swin-T's first stage at batch 8 (with its relative position bias and shift mask), swin_mnist's,
/// TNT-S's inner attention at batch 8 and tnt_mnist's. Usage: <c>small-heads [--reps 20]</c>.
/// </summary>
public sealed class SmallHeadAttention : ISideBySide
{
    private static readonly (string Name, int B, int H, int N, int D, int Windows)[] Shapes =
    {
        ("swin_tiny stage 1, batch 8", 8 * 64, 3, 49, 32, 64),
        ("swin_mnist stage 1, batch 128", 128 * 4, 2, 49, 16, 4),
        ("tnt_s inner, batch 8", 8 * 196, 4, 16, 6, 0),
        ("tnt_mnist inner, batch 128", 128 * 49, 2, 4, 8, 0),
        ("tnt_mnist outer, batch 128", 128, 4, 50, 16, 0),
    };

    public string Name => "small-heads";

    public string Description => "packed self-attention on Swin/TNT's many small heads: us per head and GFLOP/s, one thread (--reps 20)";

    public int Run(string[] args)
    {
        int reps = SideBySideTiming.IntArg(args, "--reps", 20);
        WorkerPool.ThreadCount = 1;
        Console.WriteLine("| shape | heads | forward us/head | GFLOP/s | forward+backward us/head | GFLOP/s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var s in Shapes) Console.WriteLine(RunShape(s, reps));
        return 0;
    }

    private static string RunShape((string Name, int B, int H, int N, int D, int Windows) s, int reps)
    {
        var gen = new Generator(3);
        var qkv = Tensor.Randn(gen, s.B, s.N, 3 * s.H * s.D).RequireGrad();
        Tensor? bias = s.Windows > 0 ? Ops.Mul(Tensor.Randn(gen, 1, s.H, s.N, s.N), 0.1f).RequireGrad() : null;
        Tensor? mask = s.Windows > 0 ? Tensor.Zeros(s.Windows, s.N, s.N) : null;
        var g = Tensor.Randn(gen, s.B, s.N, s.H * s.D);
        double forward = Median(reps, () =>
        {
            using (GradMode.NoGrad()) Ops.SelfAttention(qkv, s.H, bias, mask).Dispose();
        });
        double both = Median(reps, () =>
        {
            var o = Ops.SelfAttention(qkv, s.H, bias, mask);
            o.Backward(g);
            qkv.Grad = null;
            if (bias != null) bias.Grad = null;
        });
        long heads = (long)s.B * s.H;
        double macs = (double)heads * s.N * s.N * s.D;
        // Forward: QK^T and PV. Backward: QK^T again, dO V^T, P^T dO, dS^T Q, dS K.
        double fwdFlops = 2 * 2 * macs, bothFlops = fwdFlops + 5 * 2 * macs;
        return $"| {s.Name}: [{s.B}, {s.H}, {s.N}, {s.D}]{(s.Windows > 0 ? " + bias + mask" : "")} | {heads} | {forward * 1e6 / heads:F2} | " +
               $"{fwdFlops / forward / 1e9:F1} | {both * 1e6 / heads:F2} | {bothFlops / both / 1e9:F1} |";
    }

    /// <summary>Median thread CPU seconds of <paramref name="run"/> after two warm-up calls.</summary>
    private static double Median(int reps, Action run)
    {
        run();
        run();
        var t = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            double start = ThreadClock.Seconds();
            run();
            t[i] = ThreadClock.Seconds() - start;
        }
        Array.Sort(t);
        return t[reps / 2];
    }
}
