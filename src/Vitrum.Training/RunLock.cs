using System.Globalization;
using System.Text.Json;
using Vitrum.Nn.IO;

namespace Vitrum.Training;

/// <summary>
/// The lock of a run folder: <c>run.lock</c> holds the owner's process id and start time while a run trains there, so a
/// second run on the same folder (from any process, this one included) is refused instead of interleaving its files. A
/// lock whose owner no longer runs (killed before it could remove the lock, or its id since reused by a process started
/// at another time) is stale and taken over with a note.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "run.lock";

    // Start times are compared with some slack: Linux derives them from clock ticks since boot, which can differ by a tick between readers.
    private static readonly TimeSpan StartSlack = TimeSpan.FromSeconds(2);

    private readonly string _path;
    private readonly string _content;

    private RunLock(string path, string content) => (_path, _content) = (path, content);

    /// <summary>Takes the lock of <paramref name="dir"/> (an existing folder), taking over a stale one.</summary>
    /// <exception cref="RunFolderException">a live process holds the lock</exception>
    public static RunLock Acquire(string dir, Action<string>? log)
    {
        var path = Path.Combine(dir, FileName);
        var content = JsonSerializer.Serialize(new Owner(Environment.ProcessId, LiveProcess.CurrentStartTimeUtc()));
        var tmp = Path.Combine(dir, $".{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(tmp, content);
        try
        {
            // The lock appears whole or not at all: a move that does not overwrite fails when another run got there first.
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    File.Move(tmp, path, overwrite: false);
                    return new RunLock(path, content);
                }
                catch (IOException) when (attempt < 3 && File.Exists(path))
                {
                    ThrowIfHeld(dir);
                    log?.Invoke(Read(path) is { } stale
                        ? $"{dir}: taking over the stale lock {FileName} of {Describe(stale)}, which no longer runs"
                        : $"{dir}: taking over the unreadable lock {FileName}");
                    File.Delete(path);
                }
            }
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>Refuses a folder whose lock a live process holds; a missing or stale lock passes.</summary>
    /// <exception cref="RunFolderException">a live process holds the lock</exception>
    public static void ThrowIfHeld(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (Read(path) is { } owner && LiveProcess.StartTimeUtc(owner.Pid) is DateTime started && (started - owner.Started).Duration() <= StartSlack)
            throw new RunFolderException($"{dir} is in use by another training run, {Describe(owner)}, whose lock is {path}: wait for it to end or choose another --out");
    }

    /// <summary>Removes the lock if it is still this one's.</summary>
    public void Dispose()
    {
        try
        {
            if (File.Exists(_path) && File.ReadAllText(_path) == _content) File.Delete(_path);
        }
        catch (IOException) { }
    }

    private static string Describe(Owner o) => string.Format(CultureInfo.InvariantCulture, "process {0} (started {1:yyyy-MM-dd HH:mm:ss} UTC)", o.Pid, o.Started);

    /// <summary>The owner a lock file names, or null when there is none or it cannot be read (a stale leftover either way).</summary>
    private static Owner? Read(string path)
    {
        try { return JsonSerializer.Deserialize<Owner>(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    private sealed record Owner(int Pid, DateTime Started);
}
