using System.Globalization;
using System.Text.Json;
using Vitrum.Tensors;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum bench model --profile</c>: the ops and GEMM shapes of a forward pass or training step, each with its time
/// per batch, its share of the profiled step and (GEMMs) its GFLOP/s, so a user sees where the time goes.
/// </summary>
public sealed class ProfileReport
{
    /// <summary>Lines printed of each table: the rest is summed into one line.</summary>
    private const int Shown = 25;

    public IReadOnlyList<OpTime> Ops { get; }
    public IReadOnlyList<GemmTime> Gemms { get; }

    /// <summary>Wall time of a profiled step (ms, mean), which includes the hooks' own small cost.</summary>
    public double StepMs { get; }

    private ProfileReport(IReadOnlyList<OpTime> ops, IReadOnlyList<GemmTime> gemms, double stepMs) => (Ops, Gemms, StepMs) = (ops, gemms, stepMs);

    /// <summary>Profiles <paramref name="rounds"/> runs of <paramref name="step"/> (after the timed ones, so the JIT and buffer pools are warm).</summary>
    public static ProfileReport Measure(int rounds, Action step)
    {
        using var profiler = OpProfiler.Start();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < rounds; i++)
        {
            profiler.BeginRound();
            step();
        }
        return new ProfileReport(profiler.Ops, profiler.Gemms, sw.Elapsed.TotalMilliseconds / rounds);
    }

    public void Print()
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(inv, "profile: {0:F1} ms per profiled batch", StepMs));
        Console.WriteLine(string.Format(inv, "  {0,-36} {1,10} {2,7} {3,8}", "op", "ms/batch", "share", "calls"));
        foreach (var o in Ops.Take(Shown))
            Console.WriteLine(string.Format(inv, "  {0,-36} {1,10:F2} {2,6:F1}% {3,8:F0}", o.Op, o.Ms, 100 * o.Ms / StepMs, o.Calls));
        if (Ops.Count > Shown)
            Console.WriteLine(string.Format(inv, "  {0,-36} {1,10:F2}", $"({Ops.Count - Shown} more op kinds)", Ops.Skip(Shown).Sum(o => o.Ms)));
        Console.WriteLine(string.Format(inv, "  {0,-36} {1,10} {2,7} {3,8} {4,9}", "GEMM  M x N x K (x batch)", "ms/batch", "share", "calls", "GFLOP/s"));
        foreach (var g in Gemms.Take(Shown))
            Console.WriteLine(string.Format(inv, "  {0,-36} {1,10:F2} {2,6:F1}% {3,8:F0} {4,9:F1}", Shape(g), g.Ms, 100 * g.Ms / StepMs, g.Calls, g.GFlops));
        if (Gemms.Count > Shown)
            Console.WriteLine(string.Format(inv, "  {0,-36} {1,10:F2}", $"({Gemms.Count - Shown} more shapes)", Gemms.Skip(Shown).Sum(g => g.Ms)));
    }

    /// <summary>The profile as a JSON object: <c>step_ms</c>, <c>ops</c> [{op, ms, calls}], <c>gemm</c> [{m, n, k, batch, ms, calls, gflops}].</summary>
    public string Json() => JsonSerializer.Serialize(new
    {
        step_ms = Math.Round(StepMs, 3),
        ops = Ops.Select(o => new { op = o.Op, ms = Math.Round(o.Ms, 4), calls = o.Calls }),
        gemm = Gemms.Select(g => new { m = g.M, n = g.N, k = g.K, batch = g.Batch, ms = Math.Round(g.Ms, 4), calls = g.Calls, gflops = Math.Round(g.GFlops, 2) }),
    });

    private static string Shape(GemmTime g) => g.Batch == 1 ? $"{g.M} x {g.N} x {g.K}" : $"{g.M} x {g.N} x {g.K} x {g.Batch}";
}
