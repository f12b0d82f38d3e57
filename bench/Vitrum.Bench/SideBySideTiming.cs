using System.Diagnostics;
using Vitrum.Tensors.Memory;

namespace Vitrum.Bench;

/// <summary>Interleaved timing for side-by-side comparisons: every body once per round, so load changes on the shared machine hit all alike.</summary>
public static class SideBySideTiming
{
    /// <summary>Milliseconds per round of each body, after <paramref name="warmup"/> unrecorded rounds (tier-1 JIT, pools).</summary>
    public static double[][] RoundRobin(int reps, int warmup, params Action[] bodies)
    {
        var times = bodies.Select(_ => new double[reps]).ToArray();
        for (int round = -warmup; round < reps; round++)
            for (int i = 0; i < bodies.Length; i++)
            {
                var sw = Stopwatch.StartNew();
                bodies[i]();
                if (round >= 0) times[i][round] = sw.Elapsed.TotalMilliseconds;
            }
        return times;
    }

    /// <summary>Times in ms of <paramref name="rounds"/> runs after two warm-up runs, sorted, each in its own tensor scope.</summary>
    public static List<double> ScopedRounds(int rounds, Func<double> clock, Action run)
    {
        var times = new List<double>();
        for (int r = 0; r < rounds + 2; r++)
        {
            using var _ = new TensorScope();
            double t0 = clock();
            run();
            if (r >= 2) times.Add(clock() - t0);
        }
        times.Sort();
        return times;
    }

    public static double Median(double[] times)
    {
        var sorted = (double[])times.Clone();
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The integer after <paramref name="name"/> in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
    public static int IntArg(string[] args, string name, int fallback) => (int)DoubleArg(args, name, fallback);

    /// <summary>The number after <paramref name="name"/> in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
    public static double DoubleArg(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
