using Vitrum.Tensors.Autograd;

namespace Vitrum.Bench;

/// <summary>Forward and backward time per op kind, summed over a step's autograd nodes and averaged over rounds.</summary>
internal static class OpProfile
{
    /// <summary>Runs <paramref name="step"/> <paramref name="rounds"/> times with the engine's profiling hook on, then prints the ops, slowest first.</summary>
    public static void Print(int rounds, Func<double> clock, Action step)
    {
        var byOp = new Dictionary<string, (double Ms, int Count)>();
        Engine.ProfileClock = clock;
        Engine.Profile = (op, ms) =>
        {
            var (t, c) = byOp.GetValueOrDefault(op);
            byOp[op] = (t + ms, c + 1);
        };
        try
        {
            for (int r = 0; r < rounds; r++)
            {
                Engine.ProfileMark();
                step();
            }
        }
        finally { Engine.Profile = null; }
        foreach (var (op, (ms, count)) in byOp.OrderByDescending(kv => kv.Value.Ms))
            Console.WriteLine($"  {op,-40} {ms / rounds,8:F2} ms  ({count / rounds} nodes)");
    }
}
