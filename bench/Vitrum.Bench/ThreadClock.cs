using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vitrum.Bench;

/// <summary>
/// CPU time of the calling thread (Linux). Unlike wall time it leaves out the
/// time the thread spent descheduled, so single-thread profiles stay comparable on a shared machine.
/// </summary>
internal static class ThreadClock
{
    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec time);

    private struct Timespec
    {
        public long Seconds, Nanoseconds;
    }

    /// <summary>The thread's CPU time in seconds, or NaN where the clock is not available.</summary>
    public static double Seconds()
    {
        const int ClockThreadCpuTime = 3;
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTime, out var t) != 0) return double.NaN;
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    /// <summary>CPU time of the whole process (all threads) in seconds, or NaN where the clock is not available.</summary>
    public static double ProcessSeconds()
    {
        const int ClockProcessCpuTime = 2;
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockProcessCpuTime, out var t) != 0) return double.NaN;
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    /// <summary>
    /// Sleeps until no other thread of the process burns CPU (under 10% of a core over a 2 ms slice), at most
    /// <paramref name="maxMs"/>. Thread pools spin for a while after a call (OpenBLAS for tens of milliseconds,
    /// ours briefly) before they park; timing one library while the other's workers still spin on the second
    /// core measures the contention, not the library.
    /// </summary>
    public static void WaitForIdle(int maxMs = 1000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < maxMs)
        {
            double c0 = ProcessSeconds();
            var slice = Stopwatch.StartNew();
            Thread.Sleep(2);
            double used = ProcessSeconds() - c0, elapsed = slice.Elapsed.TotalSeconds;
            if (double.IsNaN(used) || used < 0.1 * elapsed) break;
        }
    }

    /// <summary>The thread's CPU time in ms, falling back to wall time where the clock is not available.</summary>
    public static double Milliseconds()
    {
        double s = Seconds();
        return double.IsNaN(s) ? Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency : s * 1e3;
    }
}
