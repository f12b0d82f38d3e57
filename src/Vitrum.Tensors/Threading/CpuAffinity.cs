using System.Runtime.InteropServices;

namespace Vitrum.Tensors.Threading;

/// <summary>
/// Pins pool workers to their own CPUs (Linux). Where the kernel sees no shared last-level cache between
/// CPUs (virtual machines such as Firecracker expose none), a worker woken from sleep is placed on the
/// waking thread's CPU and shares it with the caller until the load balancer moves it, milliseconds later:
/// a 2-thread GEMM then ran at 1-thread speed or slower. A worker pinned to another CPU wakes there; the
/// caller is never pinned, so the balancer moves it off a worker's CPU when they meet.
/// </summary>
internal static class CpuAffinity
{
    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static extern int SchedGetAffinity(int pid, nint size, ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint size, ulong[] mask);

    private const int MaskWords = 16;

    /// <summary>
    /// Pins the calling thread to the CPU <paramref name="slot"/> places after the first one the process may
    /// use (wrapping), so worker 0 takes the second allowed CPU and the caller keeps the first to itself.
    /// Does nothing off Linux, with a single allowed CPU, or if the calls fail (pinning is only a speed-up).
    /// </summary>
    public static void PinCurrentThread(int slot)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            var mask = new ulong[MaskWords];
            if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0) return;
            var allowed = new List<int>();
            for (int cpu = 0; cpu < MaskWords * 64; cpu++)
                if ((mask[cpu / 64] >> (cpu % 64) & 1) != 0) allowed.Add(cpu);
            if (allowed.Count < 2) return;
            int target = allowed[(slot + 1) % allowed.Count];
            var one = new ulong[MaskWords];
            one[target / 64] = 1UL << (target % 64);
            SchedSetAffinity(0, MaskWords * sizeof(ulong), one);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc affinity calls here (e.g. musl without them): the worker runs unpinned, which is only slower.
        }
    }
}
