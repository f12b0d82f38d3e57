using System.Runtime.InteropServices;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// <c>gemm-skinny</c>: the three products of a linear layer with few features (TNT's inner blocks, Swin's first stage)
/// over many rows, forward (X W^T), input gradient (dY W) and weight gradient (dY^T X), on one thread: the production
/// dispatch against the small path run on the whole problem, interleaved, thread CPU time, GFLOP/s.
/// </summary>
public sealed unsafe class GemmSkinny : ISideBySide
{
    public string Name => "gemm-skinny";
    public string Description => "linear-layer GEMMs with few features over many rows, 1 thread (M IN OUT ...)";

    public int Run(string[] args)
    {
        WorkerPool.ThreadCount = 1;
        var shapes = args.Length >= 3
            ? new[] { (int.Parse(args[0]), int.Parse(args[1]), int.Parse(args[2])) }
            : new[] { (25088, 16, 48), (25088, 16, 16), (25088, 16, 64), (25088, 64, 16), (6400, 64, 192), (6400, 64, 128), (25088, 32, 96), (25088, 128, 32) };
        foreach (var (m, inF, outF) in shapes) Shape(m, inF, outF);
        return 0;
    }

    private static void Shape(int m, int inF, int outF)
    {
        float* x = Alloc((long)m * inF), w = Alloc((long)outF * inF), y = Alloc((long)m * outF), dx = Alloc((long)m * inF), dw = Alloc((long)outF * inF);
        var cases = new (string Name, GemmArgs G)[]
        {
            ("forward", new GemmArgs(m, outF, inF, x, inF, 1, w, 1, inF, y, outF, false)),
            ("grad x", new GemmArgs(m, inF, outF, y, outF, 1, w, inF, 1, dx, inF, false)),
            ("grad w", new GemmArgs(outF, inF, m, y, 1, outF, x, inF, 1, dw, inF, false)),
        };
        double flops = 2.0 * m * inF * outF;
        foreach (var (name, g) in cases)
        {
            var t = new List<double>[] { new(), new() };
            for (int round = 0; round < 9; round++)
                for (int v = 0; v < 2; v++)
                {
                    double s = ThreadClock.Seconds();
                    for (int rep = 0; rep < 5; rep++)
                    {
                        if (v == 0) Gemm.Sgemm(g.M, g.N, g.K, g.A, (int)g.RsA, (int)g.CsA, g.B, (int)g.RsB, (int)g.CsB, g.C, (int)g.Ldc, false);
                        else GemmSmall.Run(g);
                    }
                    if (round > 1) t[v].Add(5 * flops / (ThreadClock.Seconds() - s) / 1e9);
                }
            foreach (var l in t) l.Sort();
            Console.WriteLine($"{m,6} x {inF,4} -> {outF,4} {name,-8} dispatch {t[0][t[0].Count / 2],6:F1} GF/s   small {t[1][t[1].Count / 2],6:F1} GF/s");
        }
        foreach (var p in new[] { x, w, y, dx, dw }) NativeMemory.AlignedFree(p);
    }

    private static float* Alloc(long n)
    {
        float* p = (float*)NativeMemory.AlignedAlloc((nuint)(n * 4), 64);
        var rng = new Random(1);
        for (long i = 0; i < n; i++) p[i] = rng.NextSingle() - 0.5f;
        return p;
    }
}
