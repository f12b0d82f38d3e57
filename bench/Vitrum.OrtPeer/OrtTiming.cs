using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Vitrum.OrtPeer;

/// <summary>
/// Times inference of one ONNX model as <c>vitrum bench model</c> does: a session with --threads intra-op
/// threads, one inter-op thread, sequential execution and every graph optimization; a fixed random input
/// whose dynamic (batch) dimensions take --batch; --warmup untimed runs, then the median of --runs timed ones.
/// Peak memory is the process's peak working set, which .NET reads from VmHWM on Linux as the CLI does.
/// </summary>
public static class OrtTiming
{
    public static string Run(PeerOptions o)
    {
        using var so = new SessionOptions
        {
            IntraOpNumThreads = o.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(o.OnnxPath, so);
        if (session.InputMetadata.Count != 1)
            throw new InvalidDataException($"{o.OnnxPath}: expected one input (an image batch), found {session.InputMetadata.Count}");
        var (inputName, meta) = session.InputMetadata.First();
        if (meta.ElementType != typeof(float))
            throw new InvalidDataException($"{o.OnnxPath}: input '{inputName}' is {meta.ElementType.Name}, expected float");
        long[] shape = meta.Dimensions.Select(d => d < 0 ? (long)o.Batch : d).ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(RandomNormal(shape.Aggregate(1L, (a, b) => a * b)), shape);
        string[] inputNames = [inputName], outputNames = [.. session.OutputMetadata.Keys];
        OrtValue[] inputs = [input];
        using var runOptions = new RunOptions();

        void Once()
        {
            using var outputs = session.Run(runOptions, inputNames, inputs, outputNames);
        }

        for (int i = 0; i < o.Warmup; i++) Once();
        var times = new double[o.Runs];
        for (int i = 0; i < o.Runs; i++)
        {
            var sw = Stopwatch.StartNew();
            Once();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        double ms = times[o.Runs / 2];
        return string.Format(CultureInfo.InvariantCulture,
            "{{\"ms_per_batch\":{0:F3},\"images_per_s\":{1:F3},\"model\":\"{2}\",\"batch\":{3},\"train\":false,\"threads\":{4},\"runs\":{5},\"min_ms\":{6:F3},\"peak_rss_mb\":{7:F1},\"onnxruntime\":\"{8}\"}}",
            ms, o.Batch * 1000.0 / ms, o.Model, o.Batch, o.Threads, o.Runs, times[0], Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024), OrtEnv.Instance().GetVersionString());
    }

    /// <summary>Standard normal values (Box-Muller) from a fixed seed, like the other contestants' torch.randn input.</summary>
    private static float[] RandomNormal(long count)
    {
        var rng = new Random(1);
        var data = new float[count];
        for (long i = 0; i < count; i++)
            data[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return data;
    }
}
