using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vitrum.Tensors.Threading;

/// <summary>
/// Keeps pool threads on CPUs of their own (Linux). Where the kernel sees no shared last-level cache between
/// CPUs (virtual machines such as Firecracker expose none), a worker woken from sleep is placed on the
/// waking thread's CPU and shares it with the caller until the load balancer moves it, milliseconds later:
/// a 2-thread GEMM then ran at 1-thread speed or slower. So each worker is pinned to a CPU of its own. The
/// caller is not pinned (it is the user's thread), but the scheduler may wake it on a worker's CPU after a
/// sleep and leave it there: on 2 CPUs, a 197 x 384 x 384 GEMM on 2 threads ran at 110-150 GFLOP/s in every
/// round whose caller sat on the worker's CPU, against 330-420 elsewhere. A parallel call therefore moves
/// its caller off the workers' CPUs when it finds it on one (<see cref="MoveOffWorkers"/>).
/// </summary>
internal static class CpuAffinity
{
    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static extern int SchedGetAffinity(int pid, nint size, ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint size, ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_getcpu"), SuppressGCTransition]
    private static extern int SchedGetCpu();

    private const int MaskWords = 16;

    /// <summary>The CPU each worker slot is pinned to (-1: not pinned), written once by the worker itself.</summary>
    private static readonly int[] WorkerCpu = Enumerable.Repeat(-1, 256).ToArray();

    /// <summary>False once a libc call is missing: then nothing here is tried again.</summary>
    private static bool _available = OperatingSystem.IsLinux();

    /// <summary>The CPU worker <paramref name="slot"/> is pinned to, or -1 while it is not (yet) pinned.</summary>
    internal static int PinnedCpu(int slot) => Volatile.Read(ref WorkerCpu[slot]);

    /// <summary>
    /// Pins the calling thread to the CPU <paramref name="slot"/> places after the first one the process may
    /// use (wrapping), so worker 0 takes the second allowed CPU and the caller keeps the first to itself.
    /// Does nothing off Linux, with a single allowed CPU, or if the calls fail (pinning is only a speed-up).
    /// </summary>
    public static void PinCurrentThread(int slot)
    {
        if (!_available) return;
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
            if (SchedSetAffinity(0, MaskWords * sizeof(ulong), one) == 0 && slot < WorkerCpu.Length) Volatile.Write(ref WorkerCpu[slot], target);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc affinity calls here (e.g. musl without them): the worker runs unpinned, which is only slower.
            _available = false;
        }
    }

    /// <summary>
    /// If the calling thread runs on the CPU of one of the first <paramref name="helpers"/> workers, moves it to
    /// one of its allowed CPUs that no such worker holds, then gives it back its own affinity: the thread
    /// stays where it was moved until the scheduler has a reason to move it. A check of the current CPU
    /// (tens of nanoseconds) when the caller is elsewhere, two system calls when it is not.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MoveOffWorkers(int helpers)
    {
        if (!_available) return;
        try
        {
            int cpu = SchedGetCpu();
            bool clash = false;
            for (int w = 0; w < helpers && w < WorkerCpu.Length; w++) clash |= Volatile.Read(ref WorkerCpu[w]) == cpu;
            if (!clash) return;
            var own = new ulong[MaskWords];
            if (SchedGetAffinity(0, MaskWords * sizeof(ulong), own) != 0) return;
            var away = (ulong[])own.Clone();
            for (int w = 0; w < helpers && w < WorkerCpu.Length; w++)
            {
                int c = Volatile.Read(ref WorkerCpu[w]);
                if (c >= 0 && c < MaskWords * 64) away[c / 64] &= ~(1UL << (c % 64));
            }
            if (away.All(word => word == 0)) return;
            if (SchedSetAffinity(0, MaskWords * sizeof(ulong), away) == 0) SchedSetAffinity(0, MaskWords * sizeof(ulong), own);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _available = false;
        }
    }
}
