using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vitrum.Bench;

/// <summary>
/// CPU time of the calling thread in ms (Linux; wall time elsewhere). Unlike wall time it leaves out the
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

    public static double Milliseconds()
    {
        const int ClockThreadCpuTime = 3;
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTime, out var t) != 0)
            return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        return t.Seconds * 1e3 + t.Nanoseconds * 1e-6;
    }
}
