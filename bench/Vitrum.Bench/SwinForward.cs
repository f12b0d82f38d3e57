using System.Diagnostics;
using Vitrum.Models;
using Vitrum.Models.Swin;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// A Swin preset's size and speed: parameters, multiply-accumulates per image, the inference time of a batch and
/// the images per second of a training step (forward, backward, AdamW), medians over rounds, and the step's time per op kind.
/// Usage: <c>swin [PRESET or CONFIG.json] [BATCH] [ROUNDS] [THREADS] [TRAIN_BATCH]</c> (TRAIN_BATCH 0 skips training).
/// With THREADS 1 the times are the thread's CPU time, which a loaded machine disturbs far less than wall time.
/// </summary>
public sealed class SwinForward : ISideBySide
{
    public string Name => "swin";
    public string Description => "Swin preset: parameters, MACs, inference and training-step time";

    public int Run(string[] args)
    {
        var preset = args.Length > 0 ? args[0] : "swin_tiny_patch4_window7_224";
        int batch = args.Length > 1 ? int.Parse(args[1]) : 1;
        int rounds = args.Length > 2 ? int.Parse(args[2]) : 7;
        if (args.Length > 3) WorkerPool.ThreadCount = int.Parse(args[3]);
        int trainBatch = args.Length > 4 ? int.Parse(args[4]) : 0;
        Func<double> clock = WorkerPool.ThreadCount == 1 ? ThreadClock.Milliseconds : () => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        var cfg = (SwinConfig)ModelRegistry.Resolve(preset);
        var model = new SwinTransformer(cfg, 1);
        model.Eval();
        int size = cfg.ImgSize;
        Console.WriteLine($"{preset}: {model.ParameterCount():N0} parameters, {ModelCost.Gmacs(new ModelInstance(SwinFamily.Instance, cfg, model)):F4} GMACs per {size}x{size} image, {WorkerPool.ThreadCount} threads ({(WorkerPool.ThreadCount == 1 ? "thread CPU time" : "wall time")})");
        Tensor x;
        using (TensorScope.Suppress()) x = Tensor.Randn(new Generator(2), batch, cfg.InChans, size, size);
        var times = SideBySideTiming.ScopedRounds(rounds, clock, () =>
        {
            using var _ = GradMode.NoGrad();
            model.Forward(x);
        });
        Console.WriteLine($"  inference batch {batch}: median {times[times.Count / 2]:F1} ms (min {times[0]:F1}, max {times[^1]:F1})");
        if (trainBatch > 0) TrainStep(model, cfg, trainBatch, rounds, clock);
        return 0;
    }

    private static void TrainStep(SwinTransformer model, SwinConfig cfg, int batch, int rounds, Func<double> clock)
    {
        model.Train();
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, 1e-3, 0.05, model.NoWeightDecay));
        Tensor x, y;
        using (TensorScope.Suppress())
        {
            x = Tensor.Randn(new Generator(3), batch, cfg.InChans, cfg.ImgSize, cfg.ImgSize);
            y = Tensor.FromLongs(Enumerable.Range(0, batch).Select(i => (long)(i % Math.Max(cfg.NumClasses, 1))).ToArray(), batch);
        }
        var times = SideBySideTiming.ScopedRounds(rounds, clock, () =>
        {
            var loss = Ops.CrossEntropy(model.Forward(x), y);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        });
        double ms = times[times.Count / 2];
        Console.WriteLine($"  training step batch {batch}: median {ms:F1} ms -> {batch * 1000 / ms:F0} images/s; time per op kind:");
        OpProfile.Print(rounds, clock, () =>
        {
            using var _ = new TensorScope();
            var loss = Ops.CrossEntropy(model.Forward(x), y);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        });
    }
}
