using Vitrum.Tensors;

namespace Vitrum.Bench;

/// <summary>Forward and backward time per op kind, summed over a step's ops and averaged over rounds.</summary>
internal static class OpProfile
{
    /// <summary>Runs <paramref name="step"/> <paramref name="rounds"/> times under an <see cref="OpProfiler"/>, then prints the ops, slowest first.</summary>
    public static void Print(int rounds, Func<double> clock, Action step)
    {
        IReadOnlyList<OpTime> ops;
        using (var profile = OpProfiler.Start(clock))
        {
            for (int r = 0; r < rounds; r++)
            {
                profile.BeginRound();
                step();
            }
            ops = profile.Ops;
        }
        foreach (var o in ops)
            Console.WriteLine($"  {o.Op,-40} {o.Ms,8:F2} ms  ({o.Calls:F0} nodes)");
    }
}
