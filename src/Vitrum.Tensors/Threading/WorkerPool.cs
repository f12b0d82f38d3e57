namespace Vitrum.Tensors.Threading;

/// <summary>
/// The process-wide pool that runs every parallel kernel. Pieces are claimed from a shared counter,
/// the calling thread takes part, and idle workers spin briefly before sleeping, so a parallel call
/// costs well under a microsecond instead of Parallel.For's ~2 us. The caller waits only for pieces
/// that were claimed, never for a worker to show up: on a loaded machine a descheduled worker simply
/// misses the job and the caller does its share. Calls made from inside a job run inline; calls from
/// several outside threads take turns.
/// </summary>
public static class WorkerPool
{
    private const int SpinIterations = 20_000;
    private const long NextMask = 0xFFFF_FFFF;
    /// <summary>Piece counter value marking a job whose fields are being written.</summary>
    private const long Publishing = NextMask;
    private static readonly object Gate = new();
    private static int _threadCount = Math.Max(1, Environment.ProcessorCount);
    private static Thread[] _workers = Array.Empty<Thread>();
    private static ManualResetEventSlim[] _wake = Array.Empty<ManualResetEventSlim>();
    // The current job. _state = generation << 32 | next piece; the fields are valid for a generation
    // only while _state shows that generation with a counter below Publishing (a seqlock).
    private static IParallelJob? _job;
    private static int _count, _helpers, _done;
    private static long _state;
    private static Exception? _error;
    [ThreadStatic] private static bool _inside;

    /// <summary>
    /// Test hook, null in production: runs on the claiming thread before each piece of a pooled call
    /// (argument: the piece index). Delaying one thread here changes which thread runs which piece, so
    /// tests can check that a kernel's result does not depend on it.
    /// </summary>
    internal static Action<int>? BeforePiece;

    /// <summary>Threads used by kernels, the caller included (1 = serial). Defaults to the core count.</summary>
    public static int ThreadCount
    {
        get => _threadCount;
        set
        {
            if (value < 1 || value > 256) throw new ArgumentOutOfRangeException(nameof(value), $"WorkerPool.ThreadCount: {value} is not in [1, 256]");
            lock (Gate) _threadCount = value;
        }
    }

    /// <summary>Threads a <see cref="For"/> call made now would use: 1 inside a running job, where calls run inline.</summary>
    public static int AvailableThreads => _inside ? 1 : _threadCount;

    /// <summary>
    /// Runs <paramref name="job"/>.Execute(i) for every i in [0, count) on the pool and waits for all of it;
    /// pieces are claimed in increasing order, so a piece may wait on lower-numbered ones. The first
    /// exception is rethrown (wrapped) once every piece has run.
    /// </summary>
    public static void For(int count, IParallelJob job)
    {
        if (count <= 0) return;
        if (count == 1 || _threadCount == 1 || _inside)
        {
            for (int i = 0; i < count; i++) job.Execute(i);
            return;
        }
        lock (Gate)
        {
            EnsureWorkers(_threadCount - 1);
            long generation = (Volatile.Read(ref _state) >> 32) + 1;
            Interlocked.Exchange(ref _state, generation << 32 | Publishing);
            _job = job;
            _count = count;
            _helpers = Math.Min(_threadCount, count) - 1;
            _done = 0;
            _error = null;
            CpuAffinity.MoveOffWorkers(_helpers);
            Volatile.Write(ref _state, generation << 32);
            for (int w = 0; w < _helpers; w++) _wake[w].Set();
            _inside = true;
            try { Participate(generation, job, count); }
            finally { _inside = false; }
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < count) spin.SpinOnce(-1);
            _job = null;
            if (_error != null) throw new AggregateException("a parallel kernel failed", _error);
        }
    }

    /// <summary>Claims and runs pieces of the job of <paramref name="generation"/> until none is left.</summary>
    private static void Participate(long generation, IParallelJob job, int count)
    {
        while (true)
        {
            long state = Volatile.Read(ref _state);
            int next = (int)(state & NextMask);
            if (state >> 32 != generation || next >= count) return;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state) continue;
            // After a failure the remaining pieces still run: a job's pieces may wait on each other, and a
            // skipped piece would leave a claimed one waiting forever.
            try
            {
                BeforePiece?.Invoke(next);
                job.Execute(next);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            finally
            {
                Interlocked.Increment(ref _done);
            }
        }
    }

    private static void EnsureWorkers(int n)
    {
        if (_workers.Length >= n) return;
        var workers = new Thread[n];
        var wake = new ManualResetEventSlim[n];
        Array.Copy(_workers, workers, _workers.Length);
        Array.Copy(_wake, wake, _wake.Length);
        for (int w = _workers.Length; w < n; w++)
        {
            wake[w] = new ManualResetEventSlim(false);
            int id = w;
            workers[w] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"vitrum-worker-{id}" };
        }
        _wake = wake;
        for (int w = _workers.Length; w < n; w++) workers[w].Start();
        _workers = workers;
    }

    private static void WorkerLoop(int id)
    {
        CpuAffinity.PinCurrentThread(id);
        _inside = true;
        long seen = Volatile.Read(ref _state) >> 32;
        while (true)
        {
            int spins = 0;
            long state;
            while ((state = Volatile.Read(ref _state)) >> 32 == seen)
            {
                if (++spins < SpinIterations) { Thread.SpinWait(4); continue; }
                var ev = _wake[id];
                ev.Reset();
                if (Volatile.Read(ref _state) >> 32 != seen) break;
                ev.Wait();
                spins = 0;
            }
            if ((state & NextMask) == Publishing) continue;
            seen = state >> 32;
            var job = _job;
            int count = _count, helpers = _helpers;
            Interlocked.MemoryBarrier();
            // A changed state means the snapshot may mix two jobs: skip it and wait for the next one.
            if (Volatile.Read(ref _state) >> 32 != seen || job == null || id >= helpers) continue;
            Participate(seen, job, count);
        }
    }
}
