using System.Diagnostics;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Tests.Support;

/// <summary>
/// Runs code on a 2-thread pool with one of its threads slowed before every piece it claims, so the
/// other thread takes a different share of the pieces than it would unhindered. Counts the pieces the
/// pool's worker ran, so a test can check that the worker took part at all.
/// </summary>
public static class PieceDelays
{
    public enum Slow { None, Worker, Caller }

    /// <summary>Runs <paramref name="body"/> with <see cref="WorkerPool.ThreadCount"/> = 2 and <paramref name="slow"/> delayed; returns the pieces the worker ran.</summary>
    public static int Run(Slow slow, Action body, double delayMicroseconds = 100)
    {
        int caller = Environment.CurrentManagedThreadId, workerPieces = 0;
        long delayTicks = (long)(delayMicroseconds * Stopwatch.Frequency / 1e6);
        int oldThreads = WorkerPool.ThreadCount;
        WorkerPool.ThreadCount = 2;
        WorkerPool.BeforePiece = _ =>
        {
            bool onCaller = Environment.CurrentManagedThreadId == caller;
            if (!onCaller) Interlocked.Increment(ref workerPieces);
            if ((slow == Slow.Worker && !onCaller) || (slow == Slow.Caller && onCaller))
            {
                long end = Stopwatch.GetTimestamp() + delayTicks;
                while (Stopwatch.GetTimestamp() < end) Thread.SpinWait(16);
            }
        };
        try
        {
            body();
        }
        finally
        {
            WorkerPool.BeforePiece = null;
            WorkerPool.ThreadCount = oldThreads;
        }
        return workerPieces;
    }
}
