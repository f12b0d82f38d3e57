using System.Diagnostics;

namespace Vitrum.Tensors;

/// <summary>The engine's and the GEMM's timing hooks, set only while an <see cref="OpProfiler"/> runs.</summary>
internal static class ProfileHooks
{
    public static readonly Func<double> WallMs = () => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;

    /// <summary>Milliseconds on the profile's clock.</summary>
    public static Func<double> Clock = WallMs;

    /// <summary>Receives an op kind ("forward linear", "backward linear") and its time in ms.</summary>
    public static Action<string, double>? Op;

    /// <summary>Receives a GEMM's M, N, K, batch count and time in ms.</summary>
    public static Action<int, int, int, int, double>? Gemm;
}
