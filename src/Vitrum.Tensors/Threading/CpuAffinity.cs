using System.Runtime.InteropServices;

namespace Vitrum.Tensors.Threading;

/// <summary>
/// Keeps a pool worker on a CPU of its own (Linux). Where the kernel sees no shared last-level cache between
/// CPUs (virtual machines such as Firecracker expose none), a worker woken from sleep is placed on the waking
/// thread's CPU and shares it with the caller until the load balancer moves one of them, milliseconds later:
/// a 2-thread GEMM then ran at 1-thread speed or slower. A pinned worker wakes on its own CPU. The caller is
/// never pinned; when it is found on a worker's CPU (it moved there while the worker slept), the worker moves
/// to another one instead of sharing. Off Linux, with one allowed CPU, or when a call fails, nothing is
/// pinned: it is only a speed-up.
/// </summary>
internal sealed class CpuAffinity
{
    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static extern int SchedGetAffinity(int pid, nint size, ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint size, ulong[] mask);

    private const int MaskWords = 16;
    private readonly int[] _allowed;
    private readonly ulong[] _mask = new ulong[MaskWords];
    private int _index = -1;

    /// <summary>The CPU the thread is pinned to, or -1.</summary>
    public int Cpu { get; private set; } = -1;

    private CpuAffinity(int[] allowed) => _allowed = allowed;

    /// <summary>
    /// Pins the calling worker thread to the CPU <paramref name="slot"/> + 1 places into the process's allowed
    /// set (wrapping): worker 0 takes the second allowed CPU, leaving the first to the caller.
    /// </summary>
    public static CpuAffinity PinWorker(int slot)
    {
        var a = new CpuAffinity(AllowedCpus());
        if (a._allowed.Length >= 2) a.PinIndex((slot + 1) % a._allowed.Length);
        return a;
    }

    /// <summary>Moves the calling (pinned) thread off <paramref name="cpu"/> if it is pinned there.</summary>
    public void MoveAwayFrom(int cpu)
    {
        if (Cpu != cpu || Cpu < 0) return;
        PinIndex((_index + 1) % _allowed.Length);
    }

    private void PinIndex(int index)
    {
        int target = _allowed[index];
        Array.Clear(_mask);
        _mask[target / 64] = 1UL << (target % 64);
        try
        {
            if (SchedSetAffinity(0, MaskWords * sizeof(ulong), _mask) == 0) (_index, Cpu) = (index, target);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    private static int[] AllowedCpus()
    {
        if (!OperatingSystem.IsLinux()) return Array.Empty<int>();
        try
        {
            var mask = new ulong[MaskWords];
            if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0) return Array.Empty<int>();
            return Enumerable.Range(0, MaskWords * 64).Where(cpu => (mask[cpu / 64] >> (cpu % 64) & 1) != 0).ToArray();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Array.Empty<int>();
        }
    }
}
