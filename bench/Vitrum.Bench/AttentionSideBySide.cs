using System.Diagnostics;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;
using static Vitrum.Bench.SideBySideTiming;

namespace Vitrum.Bench;

/// <summary>
/// Fused attention against the same attention composed from our own ops (matmul, scale, softmax,
/// matmul), in one run per shape: time of forward + backward and of the forward alone, the largest
/// difference of outputs and gradients, and the memory each keeps. Because the composed path's
/// speed rides on the GEMM, its matmuls are also timed alone, and the ratio is given again as if
/// those matmuls were free, a bound no GEMM can beat. With <c>--dropout P</c> both drop probabilities as training
/// does: the fused kernel inside, the composed path by multiplying the probabilities by the same mask
/// (<see cref="Ops.AttentionDropoutMask"/>) before the last matmul.
/// </summary>
public sealed class AttentionSideBySide : ISideBySide
{
    /// <summary>
    /// The shapes run by default: ViT-S/16's attention (the acceptance shape) and the small MNIST
    /// ViT's (49 tokens, batch 128, 4 heads) at head dims 8, 16 (vit_mnist itself), 24 and 32.
    /// </summary>
    private static readonly (int B, int H, int N, int D)[] DefaultShapes =
        { (8, 6, 197, 64), (128, 4, 49, 16), (128, 4, 49, 8), (128, 4, 49, 24), (128, 4, 49, 32) };

    public string Name => "attention";

    public string Description =>
        "fused vs composed attention, forward+backward, at ViT-S and vit_mnist shapes (or one: --b 8 --h 6 --n 197 --d 64; --reps 10 --threads T --dropout P)";

    public int Run(string[] args)
    {
        int reps = IntArg(args, "--reps", 10);
        float dropout = (float)DoubleArg(args, "--dropout", 0);
        WorkerPool.ThreadCount = IntArg(args, "--threads", WorkerPool.ThreadCount);
        bool one = new[] { "--b", "--h", "--n", "--d" }.Any(args.Contains);
        var shapes = one
            ? new[] { (IntArg(args, "--b", 8), IntArg(args, "--h", 6), IntArg(args, "--n", 197), IntArg(args, "--d", 64)) }
            : DefaultShapes;
        var summary = new List<string>();
        foreach (var (b, h, n, d) in shapes) summary.Add(RunShape(b, h, n, d, reps, dropout));
        Console.WriteLine();
        Console.WriteLine($"summary ({WorkerPool.ThreadCount} threads, {reps} interleaved rounds, dropout {dropout}): composed / fused time, forward+backward");
        Console.WriteLine("| B, H, N, d | median ratio | best-round ratio | forward-only median ratio | max abs difference (output, grads) | kept for backward fused / composed |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var line in summary) Console.WriteLine(line);
        return 0;
    }

    /// <summary>Runs one shape, prints its figures and returns its summary table row.</summary>
    private static string RunShape(int b, int h, int n, int d, int reps, float dropout)
    {
        // Every call keys its mask with the first draw of the same seed, so both paths drop the same probabilities.
        const ulong dropSeed = 7;
        var gen = new Generator(5);
        Tensor q = Tensor.Randn(gen, b, h, n, d).RequireGrad(), k = Tensor.Randn(gen, b, h, n, d).RequireGrad();
        Tensor v = Tensor.Randn(gen, b, h, n, d).RequireGrad(), gradOutput = Tensor.Randn(gen, b, h, n, d);
        var leaves = new[] { q, k, v };
        Console.WriteLine($"attention B={b} H={h} N={n} d={d}, {WorkerPool.ThreadCount} threads, SIMD {Simd.Level}, " +
                          $"{reps} rounds (all five measured in turn each round, so load changes hit them alike): median / best ms");

        Tensor Fused() => dropout == 0 ? Ops.ScaledDotProductAttention(q, k, v)
            : Ops.ScaledDotProductAttention(q, k, v, dropoutP: dropout, generator: new Generator(dropSeed));
        Tensor Unfused()
        {
            if (dropout == 0) return Ops.AttentionUnfused(q, k, v, null, null, null, false, out _);
            var probs = Ops.Softmax(Ops.Mul(Ops.MatMul(q, k.T), (float)(1 / Math.Sqrt(d))), -1);
            return Ops.MatMul(Ops.Mul(probs, Ops.AttentionDropoutMask(b, h, n, n, dropout, new Generator(dropSeed).NextUInt64())), v);
        }
        var t = RoundRobin(reps, 3,
            () => Step(Fused, gradOutput, leaves),
            () => Step(Unfused, gradOutput, leaves),
            () => Forward(Fused),
            () => Forward(Unfused),
            () => ComposedMatMuls(q, k, v, gradOutput));
        var ratios = new double[2];
        double forwardRatio = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            // The same figures from the medians, then from the best rounds (the least disturbed by other work).
            Func<double[], double> pick = pass == 0 ? Median : a => a.Min();
            double fusedStep = pick(t[0]), unfusedStep = pick(t[1]), fusedForward = pick(t[2]), unfusedForward = pick(t[3]), matmuls = pick(t[4]);
            double product = 2.0 * b * h * n * n * d;
            ratios[pass] = unfusedStep / fusedStep;
            if (pass == 0) forwardRatio = unfusedForward / fusedForward;
            Console.WriteLine(pass == 0 ? "-- medians" : "-- best rounds");
            Console.WriteLine($"forward+backward  fused {fusedStep,9:F2} ms   composed {unfusedStep,9:F2} ms   ratio {unfusedStep / fusedStep,6:F2}x");
            Console.WriteLine($"forward only      fused {fusedForward,9:F2} ms   composed {unfusedForward,9:F2} ms   ratio {unfusedForward / fusedForward,6:F2}x");
            Console.WriteLine($"fused: 7 block products in forward+backward, {7 * product / fusedStep / 1e6:F1} GFLOP/s counting those alone");
            Console.WriteLine($"composed path's 6 matmuls alone {matmuls:F2} ms ({6 * product / matmuls / 1e6:F1} GFLOP/s); " +
                              $"composed without them {unfusedStep - matmuls:F2} ms -> ratio if its matmuls were free {(unfusedStep - matmuls) / fusedStep:F2}x");
        }

        string differences = ReportDifferences(Fused, Unfused, gradOutput, leaves);
        long fusedBytes = SavedBytes(Fused, leaves), unfusedBytes = SavedBytes(Unfused, leaves);
        long forwardScratch = FusedScratchBytes(b, h, n, d, true), backwardScratch = FusedScratchBytes(b, h, n, d, false);
        Console.WriteLine($"memory kept for backward: fused {fusedBytes:N0} B (log-sum-exp), composed {unfusedBytes:N0} B " +
                          $"({(double)unfusedBytes / Math.Max(1, fusedBytes):F0}x)");
        Console.WriteLine($"fused scratch per running thread: forward {forwardScratch:N0} B (packed K^T + one score block), " +
                          $"backward {backwardScratch:N0} B (K^T, V^T, P and dS blocks); one [Nq, Nk] score matrix of all heads: {4L * b * h * n * n:N0} B");
        Console.WriteLine();
        return $"| {b}, {h}, {n}, {d} | {ratios[0]:F2}x | {ratios[1]:F2}x | {forwardRatio:F2}x | {differences} | {fusedBytes:N0} B / {unfusedBytes:N0} B |";
    }

    private static void Step(Func<Tensor> attention, Tensor gradOutput, Tensor[] leaves)
    {
        using (var scope = new TensorScope()) attention().Backward(gradOutput);
        foreach (var t in leaves) t.ZeroGrad();
    }

    private static void Forward(Func<Tensor> attention)
    {
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        attention();
    }

    /// <summary>The six matmuls the composed path runs (two forward, four backward), on its operand layouts.</summary>
    private static void ComposedMatMuls(Tensor q, Tensor k, Tensor v, Tensor gradOutput)
    {
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        var p = Ops.MatMul(q, k.T);
        Ops.MatMul(p, v);
        Ops.MatMul(gradOutput, v.T);
        Ops.MatMul(p.T, gradOutput);
        Ops.MatMul(p, k);
        Ops.MatMul(q.T, p);
    }

    /// <summary>Prints and returns the largest |fused - composed| of the output and of each gradient.</summary>
    private static string ReportDifferences(Func<Tensor> fused, Func<Tensor> unfused, Tensor gradOutput, Tensor[] leaves)
    {
        float[][] Run(Func<Tensor> f)
        {
            using var scope = new TensorScope();
            var o = f();
            o.Backward(gradOutput);
            var res = new[] { o.ToArray() }.Concat(leaves.Select(t => t.Grad!.ToArray())).ToArray();
            foreach (var t in leaves) t.ZeroGrad();
            return res;
        }
        var a = Run(fused);
        var c = Run(unfused);
        var names = new[] { "output", "dq", "dk", "dv" };
        var max = names.Select((_, i) => a[i].Zip(c[i], (x, y) => Math.Abs(x - y)).Max()).ToArray();
        Console.WriteLine($"max |fused - composed|: {string.Join(", ", names.Select((name, i) => $"{name} {max[i]:E2}"))}");
        return $"{max[0]:E1}, {max.Skip(1).Max():E1}";
    }

    /// <summary>Bytes of the distinct buffers the autograd graph keeps for backward, besides the inputs and the output.</summary>
    private static long SavedBytes(Func<Tensor> attention, Tensor[] leaves)
    {
        using var scope = new TensorScope();
        var output = attention();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var t in leaves.Append(output)) seen.Add(t.Storage);
        var nodes = new Stack<Node>();
        var visited = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        if (output.GradFn != null) nodes.Push(output.GradFn);
        long bytes = 0;
        while (nodes.Count > 0)
        {
            var node = nodes.Pop();
            if (!visited.Add(node)) continue;
            foreach (var t in node.Saved.Concat(node.Inputs))
            {
                if (t == null) continue;
                if (seen.Add(t.Storage)) bytes += 4L * t.Storage.Length;
                if (t.GradFn != null) nodes.Push(t.GradFn);
            }
        }
        return bytes;
    }

    /// <summary>Bytes of the scratch one fused task rents (each running thread holds one at a time).</summary>
    private static long FusedScratchBytes(int b, int h, int n, int d, bool forward)
    {
        var problem = new AttentionProblem { B = b, H = h, Nq = n, Nk = n, D = d, Dv = d };
        return 4L * (forward ? FlashForwardJob.ScratchLength(problem) : FlashBackwardJob.ScratchLength(problem));
    }
}
