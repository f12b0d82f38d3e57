using System.Diagnostics;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// <c>linear-packed [ROWS] [THREADS]</c>: ViT-S's four linear layers (qkv, proj + residual, fc1 + GELU, fc2 + residual) at
/// ROWS rows (197 = batch 1, 1576 = batch 8), unfused (Ops.Linear, Gelu, Add: the weight transposed into panels on every
/// call) against Ops.LinearPacked (weight packed once, epilogue fused), interleaved over 15 rounds in one process.
/// Prints per layer the median wall time and process CPU time of each, and their ratio.
/// </summary>
public sealed class LinearPackedSideBySide : ISideBySide
{
    public string Name => "linear-packed";
    public string Description => "ViT-S linear layers: unfused vs pre-packed weight with fused epilogue ([ROWS] [THREADS])";

    public int Run(string[] args)
    {
        int rows = args.Length > 0 ? int.Parse(args[0]) : 197;
        WorkerPool.ThreadCount = args.Length > 1 ? int.Parse(args[1]) : 2;
        var layers = new (string Name, int In, int Out, bool Gelu, bool Residual)[]
        {
            ("qkv 384->1152", 384, 1152, false, false), ("proj 384->384 +x", 384, 384, false, true),
            ("fc1 384->1536 gelu", 384, 1536, true, false), ("fc2 1536->384 +x", 1536, 384, false, true),
        };
        using var _ = GradMode.NoGrad();
        Console.WriteLine($"{rows} rows, {WorkerPool.ThreadCount} thread(s); median of 15 interleaved rounds of 20 calls (ms per call)");
        Console.WriteLine($"{"layer",-20} {"unfused",9} {"cpu",7} {"packed",9} {"cpu",7} {"speed-up",9}");
        foreach (var (name, inF, outF, gelu, residual) in layers)
        {
            var gen = new Generator(1);
            var x = Tensor.Randn(gen, rows, inF);
            var w = Tensor.Randn(gen, outF, inF);
            var b = Tensor.Randn(gen, outF);
            var r = residual ? Tensor.Randn(gen, rows, outF) : null;
            var packed = PackedWeight.Pack(w);
            Action unfused = () =>
            {
                using var s = new TensorScope();
                var y = Ops.Linear(x, w, b);
                if (gelu) y = Ops.Gelu(y);
                if (r != null) Ops.Add(r, y);
            };
            Action fused = () =>
            {
                using var s = new TensorScope();
                Ops.LinearPacked(x, packed, b, gelu, r);
            };
            var times = new List<(double Wall, double Cpu)>[] { new(), new() };
            for (int round = 0; round < 17; round++)
                for (int v = 0; v < 2; v++)
                {
                    var f = v == 0 ? unfused : fused;
                    double cpu0 = ThreadClock.ProcessSeconds();
                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < 20; i++) f();
                    double wall = sw.Elapsed.TotalMilliseconds / 20, cpu = (ThreadClock.ProcessSeconds() - cpu0) * 1000 / 20;
                    if (round >= 2) times[v].Add((wall, cpu));
                }
            double Med(IEnumerable<double> s) { var l = s.OrderBy(t => t).ToList(); return l[l.Count / 2]; }
            double uw = Med(times[0].Select(t => t.Wall)), uc = Med(times[0].Select(t => t.Cpu));
            double pw = Med(times[1].Select(t => t.Wall)), pc = Med(times[1].Select(t => t.Cpu));
            Console.WriteLine($"{name,-20} {uw,9:F3} {uc,7:F3} {pw,9:F3} {pc,7:F3} {uw / pw,8:F2}x");
        }
        return 0;
    }
}
