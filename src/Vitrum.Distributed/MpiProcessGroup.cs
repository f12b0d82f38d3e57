using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vitrum.Training.Distributed;

namespace Vitrum.Distributed;

/// <summary>
/// The ranks of <c>MPI_COMM_WORLD</c> as an <see cref="IProcessGroup"/>. Every collective is nonblocking underneath and
/// waited for by polling <c>MPI_Test</c>, so a wait has a deadline: when the other ranks do not answer within
/// <see cref="Timeout"/> (a rank died, or hangs) the wait throws <see cref="RankLostException"/> instead of hanging, and
/// MPI is then left unfinalized (finalizing would wait for the lost rank too). One thread at a time calls MPI
/// (<c>MPI_THREAD_SERIALIZED</c>).
/// </summary>
public sealed unsafe class MpiProcessGroup : IProcessGroup
{
    private readonly MpiLibrary _mpi;
    private readonly object _gate = new();
    private bool _broken, _disposed;

    public int Rank { get; }
    public int Size { get; }
    public string Library => _mpi.Name;
    public MpiFlavor Flavor { get; }

    /// <summary>How long a collective waits for the other ranks before it gives up on them.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(45);

    internal MpiProcessGroup(MpiLibrary mpi, MpiFlavor flavor)
    {
        (_mpi, Flavor) = (mpi, flavor);
        int provided, rank, size;
        Check(_mpi.InitThread(null, null, MpiLibrary.ThreadSerialized, &provided), "MPI_Init_thread");
        Check(_mpi.CommRank(_mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(_mpi.CommSize(_mpi.CommWorld, &size), "MPI_Comm_size");
        (Rank, Size) = (rank, size);
    }

    public IPendingSum StartSum(float[] buffer, int count)
    {
        if ((uint)count > (uint)buffer.Length) throw new ArgumentOutOfRangeException(nameof(count), $"StartSum: {count} elements of a buffer of {buffer.Length}");
        // The caller's buffer is pinned (GradientSync allocates it so): its address stays valid while MPI works on it.
        nint data = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return Start(r => _mpi.Iallreduce(_mpi.InPlace, data, count, _mpi.Float, _mpi.Sum, _mpi.CommWorld, r), "MPI_Iallreduce", $"a sum of {count} floats");
    }

    public void Sum(double[] values)
    {
        var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
        try
        {
            nint data = handle.AddrOfPinnedObject();
            Start(r => _mpi.Iallreduce(_mpi.InPlace, data, values.Length, _mpi.Double, _mpi.Sum, _mpi.CommWorld, r), "MPI_Iallreduce", $"a sum of {values.Length} doubles").Wait();
        }
        finally { handle.Free(); }
    }

    public void Barrier() => Start(r => _mpi.Ibarrier(_mpi.CommWorld, r), "MPI_Ibarrier", "a barrier").Wait();

    private delegate int Starter(long* request);

    private Pending Start(Starter start, string function, string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken) throw new RankLostException($"rank {Rank} of {Size}: an earlier collective lost the other ranks");
        var p = new Pending(this, what);
        lock (_gate) Check(start(p.Request), function);
        return p;
    }

    private void Check(int code, string function)
    {
        if (code != 0) throw new InvalidOperationException($"{function} failed with MPI error {code} ({_mpi.Name})");
    }

    /// <summary>A started collective: its request in native memory (MPI writes it after the call returns too).</summary>
    private sealed class Pending(MpiProcessGroup group, string what) : IPendingSum
    {
        public readonly long* Request = (long*)NativeMemory.AllocZeroed(sizeof(long));
        private bool _done;
        private readonly Stopwatch _since = Stopwatch.StartNew();

        public bool Poll()
        {
            if (_done) return true;
            int flag;
            lock (group._gate) group.Check(group._mpi.Test(Request, &flag, group._mpi.StatusIgnore), "MPI_Test");
            if (flag == 0) return false;
            _done = true;
            NativeMemory.Free(Request);
            return true;
        }

        public void Wait()
        {
            var waited = Stopwatch.StartNew();
            var spin = new SpinWait();
            while (!Poll())
            {
                if (waited.Elapsed > group.Timeout)
                {
                    group._broken = true;
                    throw new RankLostException(
                        $"rank {group.Rank} of {group.Size}: the other ranks did not answer {what} for {group.Timeout.TotalSeconds:F0} s (a rank died or hangs); stopping");
                }
                // Spin a little for a quick answer, then yield the core: ranks of one machine share its cores.
                if (waited.ElapsedTicks < Stopwatch.Frequency / 2000) spin.SpinOnce(sleep1Threshold: -1);
                else Thread.Sleep(waited.ElapsedTicks < Stopwatch.Frequency / 20 ? 0 : 1);
            }
        }
    }

    /// <summary>Leaves MPI unfinalized at <see cref="Dispose"/>: this rank fails while the others may wait for it in a collective.</summary>
    public void Abandon() => _broken = true;

    /// <summary>Finalizes MPI, unless a collective lost the other ranks (finalizing would wait for them).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_broken) return;
        int finalized;
        lock (_gate)
            if (_mpi.Finalized(&finalized) == 0 && finalized == 0) _mpi.Finalize();
    }
}

/// <summary>The other ranks of a data-parallel run stopped answering: one died, or hangs.</summary>
public sealed class RankLostException(string message) : IOException(message);
