namespace Vitrum.Nn.IO;

/// <summary>
/// Writes a file so that readers only ever see the old or the complete new contents: the bytes go to a
/// temporary file in the same directory, are flushed to disk, and the file is renamed over the target.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaries(dir, Path.GetFileName(full));
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Deletes temporaries left by writers that were killed (their process no longer exists).</summary>
    private static void RemoveStaleTemporaries(string dir, string fileName)
    {
        foreach (var f in Directory.EnumerateFiles(dir, $".{fileName}.*.tmp"))
        {
            var parts = Path.GetFileName(f)[(fileName.Length + 2)..].Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out int pid) || pid == Environment.ProcessId || LiveProcess.IsAlive(pid)) continue;
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
