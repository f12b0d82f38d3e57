using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// <c>gemm-vs-openblas</c>: our SGEMM against OpenBLAS's cblas_sgemm (Debian libopenblas0-pthread) in the
/// same process, on 2048^3, on the linear-layer shapes of ViT (M = 197 tokens or 8 x 197, N and K in
/// {384, 768, 1536, 3072}, B = W^T as nn.Linear uses it), on the GEMMs of training g2p_transformer and of training vit_mnist (batch
/// 128 x 49 tokens = 6272 rows, layers of width 64-256) in the three layouts of a linear layer: forward
/// X W^T, input gradient dY W, weight gradient dY^T X; on 1 and 2 threads. Ours and theirs alternate
/// round by round and the ratio is the median of per-round ratios, so a noisy neighbour slows both
/// sides alike; on 1 thread the ratio of thread CPU time is printed too (descheduling does not count),
/// and "best" is the ratio of each side's fastest round (the least disturbed one: noise only adds time).
/// Also measures the single-core FMA ceiling with a register-only Vector512 loop.
/// Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its best kernel.
/// Options: <c>--quick</c> (only the six (N, K) pairs ViT-S/B layers use and vit_mnist's own four layers),
/// <c>--rounds R</c> (default 9), <c>--only TEXT</c> (shapes whose "MxNxK" contains TEXT).
/// </summary>
public sealed unsafe class GemmVsOpenBlas : ISideBySide
{
    private delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private delegate* unmanaged<int, void> _setThreads;
    private string? _cpuTimeNote;

    public string Name => "gemm-vs-openblas";

    public string Description => "SGEMM 2048^3, ViT and vit_mnist training shapes vs OpenBLAS cblas_sgemm, 1 and 2 threads";

    public int Run(string[] args)
    {
        if (!NativeLibrary.TryLoad("libopenblas.so.0", out var lib))
        {
            Console.WriteLine("skipped: libopenblas.so.0 not found (apt-get install libopenblas0-pthread)");
            return 0;
        }
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(lib, "cblas_sgemm");
        _setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(lib, "openblas_set_num_threads");
        bool quick = args.Contains("--quick");
        int rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(9);
        string? only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(inv, "simd {0} (Vector512.IsHardwareAccelerated {1}), {2} cores, OPENBLAS_CORETYPE={3}", Simd.Level,
            System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, Environment.ProcessorCount,
            Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"));

        var cases = new List<Case> { new("square", 2048, 2048, 2048, "NN") };
        int[] dims = { 384, 768, 1536, 3072 };
        var pairs = quick
            ? new[] { (384, 384), (1536, 384), (384, 1536), (768, 768), (3072, 768), (768, 3072) }
            : dims.SelectMany(n => dims.Select(k => (n, k))).ToArray();
        foreach (int m in new[] { 197, 1576 })
            foreach (var (n, k) in pairs) cases.Add(new("vit", m, n, k, "NT"));
        cases.AddRange(MnistCases(quick));
        cases.AddRange(G2pCases());
        if (only != null) cases = cases.Where(c => $"{c.M}x{c.N}x{c.K}".Contains(only)).ToList();

        Console.WriteLine($"{"shape (M x N x K)",-22} {"AB",-3} {"thr",3} {"ours GF/s",10} {"OpenBLAS",10} {"ratio",7} {"best",6} {"cpu",6}");
        var ratios = new Dictionary<(string, int), List<double>>();
        var bests = new Dictionary<(string, int), List<double>>();
        var cpus = new Dictionary<string, List<double>>();
        double ceilingPct = 0;
        foreach (var c in cases)
            foreach (int threads in new[] { 1, 2 })
            {
                bool withCeiling = c.Group == "square" && threads == 1;
                var r = Compare(c, threads, rounds, withCeiling);
                if (withCeiling) ceilingPct = r.pctCeiling;
                var key = (c.Group, threads);
                if (!ratios.ContainsKey(key)) ratios[key] = new List<double>();
                ratios[key].Add(r.ratio);
                if (!bests.ContainsKey(key)) bests[key] = new List<double>();
                bests[key].Add(r.bestRatio);
                if (threads == 1) (cpus.TryGetValue(c.Group, out var l) ? l : cpus[c.Group] = new List<double>()).Add(r.cpuRatio);
                Console.WriteLine(string.Format(inv, "{0,-22} {1,-3} {2,3} {3,10:F1} {4,10:F1} {5,7:F2} {6,6:F2} {7,6}{8}",
                    $"{c.M} x {c.N} x {c.K}", c.Layout, threads, r.ours, r.theirs, r.ratio, r.bestRatio,
                    threads == 1 ? r.cpuRatio.ToString("F2", inv) : "",
                    withCeiling ? string.Format(inv, "   ({0:F0}% of the {1:F0} GFLOP/s FMA ceiling)", r.pctCeiling, r.ceiling) : ""));
            }
        Console.WriteLine();
        foreach (var ((group, threads), list) in ratios.OrderBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2))
            Console.WriteLine(string.Format(inv, "{0,-6} {1} thread(s): ratio min {2:F2}, median {3:F2}, max {4:F2} over {5} shape(s); best-round ratio min {6:F2}, median {7:F2}",
                group, threads, list.Min(), Median(list), list.Max(), list.Count, bests[(group, threads)].Min(), Median(bests[(group, threads)])));
        foreach (var (group, list) in cpus.OrderBy(p => p.Key))
            Console.WriteLine(string.Format(inv, "{0,-6} 1 thread by thread CPU time: ratio min {1:F2}, median {2:F2}, max {3:F2}", group, list.Min(), Median(list), list.Max()));
        Console.WriteLine(string.Format(inv, "single-thread 2048 by wall time (median round): {0:F0}% of the FMA ceiling", ceilingPct));
        if (_cpuTimeNote != null) Console.WriteLine(_cpuTimeNote);
        return 0;
    }

    /// <summary>One shape; Layout is "NN", "NT" (B = W^T, a linear layer's forward) or "TN" (A transposed: a weight gradient).</summary>
    private sealed record Case(string Group, int M, int N, int K, string Layout)
    {
        public bool TransA => Layout[0] == 'T';
        public bool TransB => Layout[1] == 'T';
    }

    /// <summary>
    /// The linear layers of training vit_mnist (6272 = 128 images x 49 tokens): qkv 64 -> 192, proj
    /// 64 -> 64, fc1 64 -> 128, fc2 128 -> 64 (and 64 <-> 256 for an MLP ratio of 4), each as forward
    /// X W^T [6272 x out x in], input gradient dY W [6272 x in x out] and weight gradient dY^T X
    /// [out x in x 6272] (the layouts Ops.Linear and its gradient rule hand to the GEMM).
    /// </summary>
    private static IEnumerable<Case> MnistCases(bool quick)
    {
        const int rows = 6272;
        var layers = new List<(int outF, int inF)> { (192, 64), (64, 64), (128, 64), (64, 128) };
        if (!quick) layers.AddRange(new[] { (256, 64), (64, 256) });
        foreach (var (outF, inF) in layers)
        {
            yield return new("mnist", rows, outF, inF, "NT");
            yield return new("mnist", rows, inF, outF, "NN");
            yield return new("mnist", outF, inF, rows, "TN");
        }
    }

    /// <summary>
    /// The linear layers of training g2p_transformer (2304 = 256 words x 9 tokens, d_model 128): attention
    /// in-projection 128 -> 384, out-projection 128 -> 128, feed-forward 128 -> 768 -> 128, in the three
    /// layouts of <see cref="MnistCases"/>.
    /// </summary>
    private static IEnumerable<Case> G2pCases()
    {
        const int rows = 2304;
        foreach (var (outF, inF) in new[] { (384, 128), (128, 128), (768, 128), (128, 768) })
        {
            yield return new("g2p", rows, outF, inF, "NT");
            yield return new("g2p", rows, inF, outF, "NN");
            yield return new("g2p", outF, inF, rows, "TN");
        }
    }

    /// <summary>CPU time of the calling thread in seconds (see <see cref="ThreadClock"/>).</summary>
    private static double ThreadSeconds() => ThreadClock.Milliseconds() * 1e-3;

    private (double ours, double theirs, double ratio, double bestRatio, double cpuRatio, double ceiling, double pctCeiling) Compare(
        Case cs, int threads, int rounds, bool withCeiling)
    {
        WorkerPool.ThreadCount = threads;
        _setThreads(threads);
        int m = cs.M, n = cs.N, k = cs.K;
        float* a = Alloc((long)m * k), b = Alloc((long)k * n), c = Alloc((long)m * n);
        try
        {
            var rnd = new Random(1);
            for (long i = 0; i < (long)m * k; i++) a[i] = (float)rnd.NextDouble() - 0.5f;
            for (long i = 0; i < (long)k * n; i++) b[i] = (float)rnd.NextDouble() - 0.5f;
            int rsA = cs.TransA ? 1 : k, csA = cs.TransA ? m : 1, rsB = cs.TransB ? 1 : n, csB = cs.TransB ? k : 1;
            int lda = cs.TransA ? m : k, ldb = cs.TransB ? k : n, opA = cs.TransA ? 112 : 111, opB = cs.TransB ? 112 : 111;
            var sgemm = _sgemm;
            void Ours() => Gemm.Sgemm(m, n, k, a, rsA, csA, b, rsB, csB, c, n, false);
            void Theirs() => sgemm(101, opA, opB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
            double flop = 2.0 * m * n * k;
            int reps = (int)Math.Clamp(1e9 / flop, 1, 1000);
            for (int w = 0; w < 3; w++) { Ours(); Theirs(); }
            var ours = new List<double>();
            var theirs = new List<double>();
            var perRound = new List<double>();
            var cpuRound = new List<double>();
            var oursCpu = new List<double>();
            double ceiling = 0, ceilingCpu = 0;
            for (int r = 0; r < rounds; r++)
            {
                var (o, oCpu) = Time(Ours, reps);
                var (t, tCpu) = Time(Theirs, reps);
                ours.Add(flop * reps / o / 1e9);
                theirs.Add(flop * reps / t / 1e9);
                perRound.Add(t / o);
                cpuRound.Add(tCpu / oCpu);
                // Noise only ever lowers the ceiling's rate, so its best run is the estimate.
                if (withCeiling)
                {
                    ceiling = Math.Max(ceiling, FmaCeiling(wall: true));
                    ceilingCpu = Math.Max(ceilingCpu, FmaCeiling(wall: false));
                    oursCpu.Add(flop * reps / oCpu / 1e9);
                }
            }
            if (withCeiling)
                _cpuTimeNote = string.Format(CultureInfo.InvariantCulture,
                    "single-thread 2048 by thread CPU time: ours {0:F1} GFLOP/s (median) = {1:F0}% of the {2:F0} GFLOP/s FMA ceiling",
                    Median(oursCpu), 100 * Median(oursCpu) / ceilingCpu, ceilingCpu);
            return (Median(ours), Median(theirs), Median(perRound), ours.Max() / theirs.Max(), Median(cpuRound),
                ceiling, withCeiling ? 100 * Median(ours) / ceiling : 0);
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }

    /// <summary>Wall seconds and the calling thread's CPU seconds of <paramref name="reps"/> calls.</summary>
    /// <summary>
    /// Wall seconds and the calling thread's CPU seconds of <paramref name="reps"/> calls, started once the
    /// other library's workers have parked (OpenBLAS's spin for ~130 ms after a call and would share the
    /// second core with ours) and after one untimed call that wakes this side's workers, as back-to-back
    /// calls in a model find them.
    /// </summary>
    private static (double wall, double cpu) Time(Action f, int reps)
    {
        ThreadClock.WaitForIdle();
        f();
        double t0 = ThreadSeconds();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) f();
        return (sw.Elapsed.TotalSeconds, ThreadSeconds() - t0);
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    /// <summary>
    /// GFLOP/s of a register-only FMA loop on the calling thread (best of three short runs), timed by the
    /// wall clock or by the thread's CPU time: the most one core can do.
    /// </summary>
    private static double FmaCeiling(bool wall)
    {
        const long iterations = 5_000_000;
        double best = 0;
        for (int r = 0; r < 3; r++)
        {
            var sw = Stopwatch.StartNew();
            double t0 = ThreadSeconds();
            FmaLoop.Run(iterations);
            double seconds = wall ? sw.Elapsed.TotalSeconds : ThreadSeconds() - t0;
            best = Math.Max(best, iterations * FmaLoop.FlopsPerIteration / seconds / 1e9);
        }
        return best;
    }

    private static float* Alloc(long floats) => (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
}
