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

    /// <summary>The thread's CPU time in ms, falling back to wall time where the clock is not available.</summary>
    public static double Milliseconds()
    {
        double s = Seconds();
        return double.IsNaN(s) ? Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency : s * 1e3;
    }
}
