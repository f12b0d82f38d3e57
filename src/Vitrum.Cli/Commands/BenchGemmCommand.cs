using System.Diagnostics;
using System.Globalization;
using Vitrum.Tensors;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Threading;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum bench gemm</c>: times C = A B for one shape and reports the median GFLOP/s.</summary>
public static class BenchGemmCommand
{
    public static unsafe int Run(int m, int n, int k, double seconds, bool json)
    {
        int threads = WorkerPool.ThreadCount;

        var gen = new Generator(1);
        using var a = Tensor.Randn(gen, m, k);
        using var b = Tensor.Randn(gen, k, n);
        using var c = Tensor.Empty(new[] { m, n });
        void Once() => Gemm.Sgemm(m, n, k, a.Ptr, k, 1, b.Ptr, n, 1, c.Ptr, n, false);

        // Warm up past tiered JIT compilation before timing.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < Math.Min(1.0, seconds / 3) || warm.Elapsed.TotalMilliseconds < 1) Once();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 3 || (total.Elapsed.TotalSeconds < seconds && times.Count < 1000))
        {
            var sw = Stopwatch.StartNew();
            Once();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double ms = times[times.Count / 2];
        double gflops = 2.0 * m * n * k / (ms * 1e6);
        var inv = CultureInfo.InvariantCulture;
        if (!json) Console.WriteLine(string.Format(inv, "sgemm {0}x{1}x{2}, {3} thread(s): {4:F3} ms, {5:F1} GFLOP/s (median of {6})", m, n, k, threads, ms, gflops, times.Count));
        else Console.WriteLine(string.Format(inv, "{{\"m\":{0},\"n\":{1},\"k\":{2},\"threads\":{3},\"ms\":{4:F4},\"gflops\":{5:F2},\"runs\":{6},\"simd\":\"{7}\"}}",
            m, n, k, threads, ms, gflops, times.Count, Simd.Level));
        return 0;
    }
}
