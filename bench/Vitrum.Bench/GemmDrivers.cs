using System.Diagnostics;
using System.Runtime.InteropServices;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// <c>gemm-drivers M N K [halves]</c>: the two 2-thread drivers for large products, interleaved in one process
/// (GemmTileParallel's independent blocks against GemmRowParallel's shared packed B), medians over 13 rounds of
/// 3 calls. With a fourth argument: each thread runs the serial driver on its own half of the rows, side by
/// side, against one half alone, which shows how much a core's rate drops when the other core works too.
/// </summary>
public sealed unsafe class GemmDrivers : ISideBySide
{
    public string Name => "gemm-drivers";
    public string Description => "2-thread GEMM drivers for large products side by side (M N K [halves])";

    public int Run(string[] args)
    {
        int m = int.Parse(args[0]), n = int.Parse(args[1]), k = int.Parse(args[2]);
        WorkerPool.ThreadCount = 2;
        float* a = (float*)NativeMemory.AlignedAlloc((nuint)((long)m * k * 4), 64);
        float* b = (float*)NativeMemory.AlignedAlloc((nuint)((long)k * n * 4), 64);
        float* c = (float*)NativeMemory.AlignedAlloc((nuint)((long)m * n * 4), 64);
        var rng = new Random(1);
        for (long i = 0; i < (long)m * k; i++) a[i] = rng.NextSingle();
        for (long i = 0; i < (long)k * n; i++) b[i] = rng.NextSingle();
        var g = new GemmArgs(m, n, k, a, k, 1, b, n, 1, c, n, false);
        double flops = 2.0 * m * n * k;
        if (args.Length > 3) { MacroBoth(m, n, k, a, b, c); return 0; }
        var names = new[] { "tile", "rowshared" };
        var best = new double[2];
        var all = new List<double>[] { new(), new() };
        for (int round = 0; round < 15; round++)
            for (int v = 0; v < 2; v++)
            {
                var sw = Stopwatch.StartNew();
                for (int rep = 0; rep < 3; rep++)
                {
                    if (v == 0) GemmTileParallel.Run<GemmKernel512>(g, 2);
                    else GemmRowParallel.Run<GemmKernel512>(g, 2);
                }
                double gf = 3 * flops / sw.Elapsed.TotalSeconds / 1e9;
                if (round > 1) all[v].Add(gf);
            }
        for (int v = 0; v < 2; v++)
        {
            all[v].Sort();
            Console.WriteLine($"{names[v],-10} median {all[v][all[v].Count / 2]:F1} GF/s  max {all[v][^1]:F1}");
        }
        return 0;
    }

    private sealed class MacroJob : IParallelJob
    {
        public int M, N, K; public float* A, B;
        public float*[] Pa = new float*[2], Pb = new float*[2], C = new float*[2];
        public void Execute(int t)
        {
            int kc = GemmDriver.SliceDepth(K);
            for (int pc = 0; pc < K; pc += kc)
            {
                GemmPack.PackA(M, Math.Min(kc, K - pc), A + pc, K, 1, Pa[t], 14);
                for (int jc = 0; jc < N; jc += GemmDriver.NC)
                {
                    GemmPack.PackB(Math.Min(GemmDriver.NC, N - jc), Math.Min(kc, K - pc), B + (long)pc * N + jc, N, 1, Pb[t], 32);
                    GemmDriver.Macro<GemmKernel512>(M, Math.Min(GemmDriver.NC, N - jc), Math.Min(kc, K - pc), Pa[t], Pb[t], Math.Min(kc, K - pc), 32, C[t] + jc, N, pc > 0);
                }
            }
        }
    }

    private static void MacroBoth(int m, int n, int k, float* a, float* b, float* c)
    {
        var job = new MacroJob { M = m / 2, N = n, K = k, A = a, B = b };
        int kc = GemmDriver.SliceDepth(k);
        for (int t = 0; t < 2; t++)
        {
            job.Pa[t] = (float*)NativeMemory.AlignedAlloc((nuint)((long)kc * (m / 2 + 14) * 4), 64);
            job.Pb[t] = (float*)NativeMemory.AlignedAlloc((nuint)((long)kc * GemmDriver.NC * 4), 64);
            job.C[t] = (float*)NativeMemory.AlignedAlloc((nuint)((long)m / 2 * n * 4), 64);
        }
        double flops = 2.0 * m * n * k;
        for (int round = 0; round < 8; round++)
        {
            var sw = Stopwatch.StartNew();
            WorkerPool.For(2, job);
            double two = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            job.Execute(0);
            double one = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"both threads (private halves, serial driver each): {flops / two / 1e6:F0} GF/s; one half alone {flops / 2 / one / 1e6:F0} GF/s");
        }
    }
}
