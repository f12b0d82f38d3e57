using System.Diagnostics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Vitrum.Tensors;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Memory;

namespace Vitrum.Bench;

/// <summary>
/// Throughput of the activation, layer-norm and cross-entropy kernels in elements per second, each at
/// the widest SIMD level and at the scalar level (the peer: the same math one element at a time), with
/// TensorPrimitives.Exp and Tanh as a reference for what one transcendental pass costs here.
/// </summary>
public sealed class ActivationSideBySide : ISideBySide
{
    public string Name => "activations";

    public string Description => "GELU/SiLU/LayerNorm/CrossEntropy throughput, vector vs scalar path [--n N] [--iters K]";

    public int Run(string[] args)
    {
        int n = 1 << 16, iters = 200;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--n") n = int.Parse(args[i + 1]);
            else if (args[i] == "--iters") iters = int.Parse(args[i + 1]);
        }
        var gen = new Generator(1);
        var x = Ops.Mul(Tensor.Randn(gen, n), 2f);
        var g = Tensor.Randn(gen, n);
        var src = x.ToArray();
        var dst = new float[n];
        Console.WriteLine($"elements: {n}, iterations: {iters}, SIMD: {Simd.Detected}");
        Report("TensorPrimitives.Exp", n, Time(iters, () => TensorPrimitives.Exp(src, dst)), null);
        Report("TensorPrimitives.Tanh", n, Time(iters, () => TensorPrimitives.Tanh(src, dst)), null);
        Compare("Gelu (erf)", n, iters, () => Ops.Gelu(x));
        Compare("Gelu (tanh)", n, iters, () => Ops.Gelu(x, GeluApproximation.Tanh));
        Compare("Gelu backward", n, iters, () => Ops.Map2<GeluGradOp>("Gelu backward", g, x));
        Compare("Silu", n, iters, () => Ops.Silu(x));
        Compare("Erf", n, iters, () => Ops.Erf(x));
        var rows = x.Reshape(-1, 512);
        var w = Tensor.Randn(gen, 512);
        Compare("LayerNorm [n/512, 512]", n, iters, () => Ops.LayerNorm(rows, new[] { 512 }, w, w));
        var targets = Tensor.FromLongs(Enumerable.Range(0, rows.Shape[0]).Select(i => (long)(i * 7 % 512)).ToArray(), rows.Shape[0]);
        Compare("CrossEntropy [n/512, 512]", n, iters, () => Ops.CrossEntropy(rows, targets));
        return 0;
    }

    /// <summary>Times <paramref name="op"/> at the detected level and at the scalar level and prints the ratio.</summary>
    private static void Compare(string name, int n, int iters, Func<Tensor> op)
    {
        void Run()
        {
            using var scope = new TensorScope();
            op();
        }
        double vector = Time(iters, Run);
        Simd.Level = SimdLevel.Scalar;
        double scalar;
        try { scalar = Time(Math.Max(3, iters / 5), Run); }
        finally { Simd.Level = Simd.Detected; }
        Report(name, n, vector, scalar);
    }

    private static void Report(string name, int n, double seconds, double? scalarSeconds)
    {
        string ratio = scalarSeconds is double s ? $"   scalar {n / s / 1e9,6:F3} Gelem/s   vector/scalar {s / seconds,5:F1}x" : "";
        Console.WriteLine($"{name,-28} {n / seconds / 1e9,6:F3} Gelem/s{ratio}");
    }

    /// <summary>
    /// Fastest call after a warm-up that lets the JIT reach tier 1: on this shared 2-core machine the
    /// fastest of many short runs is the estimate least disturbed by other processes.
    /// </summary>
    private static double Time(int iters, Action body)
    {
        // Tier-1 code arrives only after 30 calls and a quiet 100 ms; code from packages (TensorPrimitives)
        // starts at tier 0, which for vector code is many times slower, so warm up for half a second.
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < 50 || Stopwatch.GetElapsedTime(start).TotalSeconds < 0.5; i++) body();
        var times = new double[iters];
        for (int i = 0; i < iters; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            body();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        return times.Min();
    }
}
