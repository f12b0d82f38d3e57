using System.Diagnostics;
using Vitrum.Models;
using Vitrum.Models.Vit;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Bench;

/// <summary>
/// Splits one ViT training step into forward, backward and optimizer time (medians over rounds), to see
/// where a slow step goes before optimizing. Usage: <c>vit-step [PRESET] [BATCH] [ROUNDS]</c>.
/// </summary>
public sealed class VitStepProfile : ISideBySide
{
    public string Name => "vit-step";
    public string Description => "forward / backward / optimizer time of one ViT training step";

    public int Run(string[] args)
    {
        var preset = args.Length > 0 ? args[0] : "vit_mnist";
        int batch = args.Length > 1 ? int.Parse(args[1]) : 128;
        int rounds = args.Length > 2 ? int.Parse(args[2]) : 7;
        var cfg = (VitConfig)ModelRegistry.Preset(preset);
        var model = new VisionTransformer(cfg, 1);
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, 1e-3, 0.05, VisionTransformer.NoWeightDecay));
        Tensor x, y;
        using (TensorScope.Suppress())
        {
            x = Tensor.Randn(new Generator(2), batch, cfg.InChans, cfg.ImgSize, cfg.ImgSize);
            y = Tensor.FromLongs(Enumerable.Range(0, batch).Select(i => (long)(i % cfg.NumClasses)).ToArray(), batch);
        }
        var fwd = new List<double>();
        var bwd = new List<double>();
        var step = new List<double>();
        for (int r = 0; r < rounds + 2; r++)
        {
            using var _ = new TensorScope();
            var sw = Stopwatch.StartNew();
            var loss = Ops.CrossEntropy(model.Forward(x), y);
            double f = sw.Elapsed.TotalMilliseconds;
            opt.ZeroGrad();
            loss.Backward();
            double b = sw.Elapsed.TotalMilliseconds - f;
            opt.Step();
            double o = sw.Elapsed.TotalMilliseconds - f - b;
            if (r < 2) continue;
            fwd.Add(f); bwd.Add(b); step.Add(o);
        }
        static double Med(List<double> v) { v.Sort(); return v[v.Count / 2]; }
        PieceTimes(model, x, batch, rounds);
        double total = Med(fwd) + Med(bwd) + Med(step);
        Console.WriteLine($"{preset} batch {batch}, {Vitrum.Tensors.Threading.WorkerPool.ThreadCount} threads: forward {Med(fwd):F1} ms, backward {Med(bwd):F1} ms, optimizer {Med(step):F1} ms -> {batch * 1000 / total:F0} images/s");
        return 0;
    }

    /// <summary>Forward time of the pieces of the first block on its real input, to find the hot spot.</summary>
    private static void PieceTimes(VisionTransformer model, Tensor x, int batch, int rounds)
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
                var sw = Stopwatch.StartNew();
                f();
                if (r >= 2) t.Add(sw.Elapsed.TotalMilliseconds);
            }
            t.Sort();
            Console.WriteLine($"  {name,-22} {t[t.Count / 2],8:F2} ms  (input {ShapeUtil.Format(tokens.Shape)})");
        }
    }
}
