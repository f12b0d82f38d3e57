using System.Diagnostics;

namespace Vitrum.Nn.IO;

/// <summary>Whether a process named in a file (a lock's owner, a temporary's writer) still runs, for recognising files left by killed processes.</summary>
public static class LiveProcess
{
    /// <summary>The start time (UTC) of the running process <paramref name="pid"/>, or null when no such process runs.</summary>
    public static DateTime? StartTimeUtc(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited ? null : p.StartTime.ToUniversalTime();
        }
        catch (ArgumentException) { return null; }
        catch (InvalidOperationException) { return null; }
    }

    public static bool IsAlive(int pid) => StartTimeUtc(pid) != null;

    /// <summary>This process's start time (UTC), as <see cref="StartTimeUtc"/> reports it to other processes.</summary>
    public static DateTime CurrentStartTimeUtc()
    {
        using var p = Process.GetCurrentProcess();
        return p.StartTime.ToUniversalTime();
    }
}
