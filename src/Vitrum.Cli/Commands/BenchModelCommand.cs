using System.Diagnostics;
using System.Globalization;
using Vitrum.Models;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum bench model --model PRESET [--batch B] [--size HxW] [--train]</c>: times inference (no-grad forward) or a
/// training step (forward, loss, backward, AdamW; <see cref="BenchSteps"/>) of an image classifier or an object
/// detector on random images (the model's image size, or <c>--size</c>) and reports the median over
/// <c>--runs</c> after <c>--warmup</c> untimed ones (tiered JIT and buffer pools warm up first), plus the
/// process's peak resident memory (VmHWM), for side-by-side runs against PyTorch (bench/side_by_side.sh).
/// </summary>
public static class BenchModelCommand
{
    /// <summary>Untimed and timed runs when not given: a training step is slower, so fewer.</summary>
    public static (int Warmup, int Runs) DefaultRuns(bool train) => train ? (2, 5) : (3, 10);

    public static int Run(string modelArg, int batch, (int Height, int Width)? size, bool train, int? warmupRuns, int? timedRuns, bool profile, bool json)
    {
        int threads = WorkerPool.ThreadCount;
        int warmup = warmupRuns ?? DefaultRuns(train).Warmup, runs = timedRuns ?? DefaultRuns(train).Runs;
        var config = ModelChoice.Config(modelArg);
        var task = ModelChoice.TaskOf(config);
        bool detector = task == TaskKind.Detect;
        var model = ModelChoice.Create(config, 0, detector ? TaskKind.Detect : TaskKind.Classify);
        var (h, w) = size ?? (model.ImageSize, model.ImageSize);
        var gen = new Generator(1);
        using var x = Tensor.Randn(gen, batch, model.InChannels, h, w);
        Action once;
        if (!train) once = BenchSteps.Inference(model, x, detector);
        else if (detector) once = BenchSteps.DetectorTraining(model, x, model.Pretrained.NumClasses);
        else
        {
            using var probe = GradModeProbe(model, x);
            once = BenchSteps.ClassifierTraining(model, x, probe.Shape[^1]);
        }
        for (int i = 0; i < warmup; i++) once();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            once();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        double ms = times[runs / 2], ips = batch * 1000.0 / ms;
        double peakMb = PeakRssMb();
        var profiled = profile ? ProfileReport.Measure(runs, once) : null;
        var inv = CultureInfo.InvariantCulture;
        if (!json)
        {
            Console.WriteLine(string.Format(inv, "{0} {1} batch {2} at {3}x{4}, {5} thread(s): {6:F1} ms per batch, {7:F2} images/s (median of {8}; min {9:F1} ms), peak RSS {10:F0} MB",
                modelArg, train ? "train step" : "inference", batch, h, w, threads, ms, ips, runs, times[0], peakMb));
            profiled?.Print();
        }
        else
            Console.WriteLine(string.Format(inv, "{{\"ms_per_batch\":{0:F3},\"images_per_s\":{1:F3},\"model\":\"{2}\",\"batch\":{3},\"height\":{4},\"width\":{5},\"train\":{6},\"threads\":{7},\"runs\":{8},\"min_ms\":{9:F3},\"peak_rss_mb\":{10:F1}{11}}}",
                ms, ips, Path.GetFileNameWithoutExtension(modelArg), batch, h, w, train ? "true" : "false", threads, runs, times[0], peakMb,
                profiled == null ? "" : ",\"profile\":" + profiled.Json()));
        return 0;
    }

    /// <summary>One no-grad forward to learn the number of outputs (and to fail early on a bad config).</summary>
    private static Tensor GradModeProbe(ModelHandle model, Tensor x)
    {
        using var _ = GradMode.NoGrad();
        model.Module.Eval();
        return model.Module.Forward(x.Narrow(0, 0, 1).Contiguous()).MoveToOuterScope();
    }

    /// <summary>The process's peak resident set (VmHWM in /proc/self/status), or the working-set peak where there is no /proc.</summary>
    private static double PeakRssMb()
    {
        const string path = "/proc/self/status";
        if (File.Exists(path))
            foreach (var line in File.ReadLines(path))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
    }
}
