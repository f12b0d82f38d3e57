using System.Diagnostics;
using Vitrum.Models;
using Vitrum.Models.Vit;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// Splits one training step of an image classifier preset (ViT, TNT, ...) into forward, backward and optimizer
/// time (medians over rounds), then the backward by op kind, to see where a slow step goes before optimizing; for
/// a ViT also the forward time of its first block's pieces.
/// Usage: <c>vit-step [PRESET|CONFIG.json] [BATCH] [ROUNDS] [THREADS] [wall]</c>. With THREADS 1 every figure is the
/// thread's CPU time (unless <c>wall</c> is given), which a loaded machine disturbs far less than wall time.
/// </summary>
public sealed class VitStepProfile : ISideBySide
{
    public string Name => "vit-step";
    public string Description => "forward / backward / optimizer time of one image classifier training step";

    public int Run(string[] args)
    {
        var preset = args.Length > 0 ? args[0] : "vit_mnist";
        int batch = args.Length > 1 ? int.Parse(args[1]) : 128;
        int rounds = args.Length > 2 ? int.Parse(args[2]) : 7;
        if (args.Length > 3) WorkerPool.ThreadCount = int.Parse(args[3]);
        bool cpuClock = WorkerPool.ThreadCount == 1 && !(args.Length > 4 && args[4] == "wall");
        Func<double> clock = cpuClock ? ThreadClock.Milliseconds : () => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        string clockName = cpuClock ? "thread CPU time" : "wall time";
        var instance = ModelRegistry.Build(ModelRegistry.Resolve(preset), 1);
        var model = instance.Classifier;
        var input = instance.Pretrained!;
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, 1e-3, 0.05, instance.NoWeightDecay));
        Tensor x, y;
        using (TensorScope.Suppress())
        {
            x = Tensor.Randn(new Generator(2), batch, input.InChans, input.ImageSize, input.ImageSize);
            int classes;
            using (Vitrum.Tensors.Autograd.GradMode.NoGrad()) classes = model.Forward(x.Narrow(0, 0, 1)).Shape[1];
            y = Tensor.FromLongs(Enumerable.Range(0, batch).Select(i => (long)(i % classes)).ToArray(), batch);
        }
        var cpu = new List<double>();
        var fwd = new List<double>();
        var bwd = new List<double>();
        var step = new List<double>();
        for (int r = 0; r < rounds + 2; r++)
        {
            using var _ = new TensorScope();
            double c0 = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
            double t0 = clock();
            var loss = Ops.CrossEntropy(model.Forward(x), y);
            double t1 = clock();
            opt.ZeroGrad();
            loss.Backward();
            double t2 = clock();
            opt.Step();
            double t3 = clock();
            if (r < 2) continue;
            cpu.Add(Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - c0);
            fwd.Add(t1 - t0); bwd.Add(t2 - t1); step.Add(t3 - t2);
        }
        static double Med(List<double> v) { v.Sort(); return v[v.Count / 2]; }
        BackwardByOp(model, opt, x, y, rounds, clock);
        if (model is VisionTransformer vit) PieceTimes(vit, x, rounds, clock);
        double total = Med(fwd) + Med(bwd) + Med(step);
        Console.WriteLine($"{preset} batch {batch}, {WorkerPool.ThreadCount} threads ({clockName}): forward {Med(fwd):F1} ms, backward {Med(bwd):F1} ms, optimizer {Med(step):F1} ms -> {batch * 1000 / total:F0} images/s; " +
            $"process CPU time {Med(cpu):F0} ms per step ({batch * 1000 / Med(cpu):F0} images per CPU-second, all threads)");
        return 0;
    }

    /// <summary>Forward and backward time per op kind (summed over the step's nodes, mean over rounds) and managed bytes allocated per step.</summary>
    private static void BackwardByOp(Vitrum.Nn.Module<Tensor, Tensor> model, AdamW opt, Tensor x, Tensor y, int rounds, Func<double> clock)
    {
        long bytes = 0;
        int gc0 = GC.CollectionCount(0), gc1 = GC.CollectionCount(1), gc2 = GC.CollectionCount(2);
        OpProfile.Print(rounds, clock, () =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            using var _ = new TensorScope();
            var loss = Ops.CrossEntropy(model.Forward(x), y);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
            bytes += GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Console.WriteLine($"  managed allocation per step (caller thread): {bytes / rounds / 1024.0:F0} KB; GCs over {rounds} steps: " +
            $"gen0 {GC.CollectionCount(0) - gc0}, gen1 {GC.CollectionCount(1) - gc1}, gen2 {GC.CollectionCount(2) - gc2}");
    }

    /// <summary>Forward time of the pieces of the first block on its real input, to find the hot spot.</summary>
    private static void PieceTimes(VisionTransformer model, Tensor x, int rounds, Func<double> clock)
    {
        using var _ = Vitrum.Tensors.Autograd.GradMode.NoGrad();
        using var scope = new TensorScope();
        var blk = model.Blocks[0];
        var tokens = model.PatchProj.Forward(x).Flatten(2).Transpose(1, 2).Contiguous();
        var pieces = new (string, Func<Tensor>)[]
        {
            ("patch conv", () => model.PatchProj.Forward(x)),
            ("norm1", () => blk.Norm1.Forward(tokens)),
            ("attn (qkv+sdpa+proj)", () => blk.Attn.Forward(tokens)),
            ("qkv linear", () => blk.Attn.Qkv.Forward(tokens)),
            ("mlp", () => blk.Mlp.Forward(tokens)),
            ("fc1 linear", () => blk.Mlp.Fc1.Forward(tokens)),
            ("gelu", () => Ops.Gelu(tokens)),
        };
        foreach (var (name, f) in pieces)
        {
            var t = new List<double>();
            for (int r = 0; r < rounds + 2; r++)
            {
                using var step = new TensorScope();
                double start = clock();
                f();
                if (r >= 2) t.Add(clock() - start);
            }
            t.Sort();
            Console.WriteLine($"  {name,-22} {t[t.Count / 2],8:F2} ms  (input {ShapeUtil.Format(tokens.Shape)})");
        }
    }
}
