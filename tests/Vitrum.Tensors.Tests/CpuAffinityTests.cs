using System.Runtime.InteropServices;
using Vitrum.Tensors.Threading;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// A parallel call whose caller sits on a worker's CPU moves the caller off it (Linux): otherwise the two
/// threads share one CPU and a 2-thread kernel runs at half the speed of one thread.
/// </summary>
[Collection("GlobalKernelState")]
public class CpuAffinityTests
{
    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static extern int GetAffinity(int pid, nint size, ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SetAffinity(int pid, nint size, ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_getcpu")]
    private static extern int GetCpu();

    private const int Words = 16;

    /// <summary>Notes which thread ran each piece, and on which CPU.</summary>
    private sealed class NoteCpus : IParallelJob
    {
        public readonly int[] Cpu = new int[64], Thread = new int[64];

        public void Execute(int index)
        {
            Cpu[index] = GetCpu();
            Thread[index] = Environment.CurrentManagedThreadId;
            // A few microseconds a piece, so the worker cannot take all 64 before the caller claims one.
            System.Threading.Thread.SpinWait(500);
        }
    }

    private static ulong[] OwnMask()
    {
        var mask = new ulong[Words];
        Assert.Equal(0, GetAffinity(0, Words * sizeof(ulong), mask));
        return mask;
    }

    [Fact]
    public void A_parallel_call_moves_its_caller_off_the_workers_cpu_and_leaves_its_affinity_as_it_was()
    {
        Assert.True(OperatingSystem.IsLinux(), "this project's CI runs on Linux, where pool threads are placed by affinity");
        var own = OwnMask();
        int allowed = own.Sum(w => System.Numerics.BitOperations.PopCount(w));
        Assert.True(allowed >= 2, $"the test needs 2 CPUs to place threads on; this process may use {allowed}");
        int old = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = 2;
            // Start the worker and wait until it has pinned itself.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (CpuAffinity.PinnedCpu(0) < 0 && DateTime.UtcNow < deadline) WorkerPool.For(64, new NoteCpus());
            int workerCpu = CpuAffinity.PinnedCpu(0);
            Assert.True(workerCpu >= 0, "worker 0 did not pin itself");

            int checkedAttempts = 0;
            for (int attempt = 0; attempt < 20; attempt++)
            {
                // Put this thread on the worker's CPU, then give it back its whole mask: it stays there.
                var only = new ulong[Words];
                only[workerCpu / 64] = 1UL << (workerCpu % 64);
                Assert.Equal(0, SetAffinity(0, Words * sizeof(ulong), only));
                Assert.Equal(workerCpu, GetCpu());
                Assert.Equal(0, SetAffinity(0, Words * sizeof(ulong), own));

                var job = new NoteCpus();
                WorkerPool.For(job.Cpu.Length, job);
                // Where the caller ran its first piece, microseconds after the call began (later, other busy
                // threads may lead the scheduler to move it anywhere).
                int me = Environment.CurrentManagedThreadId, first = Array.IndexOf(job.Thread, me);
                Assert.Equal(own, OwnMask());
                // A caller descheduled for the whole call runs no piece: that attempt shows nothing either way.
                if (first < 0) continue;
                checkedAttempts++;
                Assert.NotEqual(workerCpu, job.Cpu[first]);
            }
            Assert.True(checkedAttempts >= 10, $"the caller ran a piece in only {checkedAttempts} of 20 calls");
        }
        finally
        {
            SetAffinity(0, Words * sizeof(ulong), own);
            WorkerPool.ThreadCount = old;
        }
    }
}
