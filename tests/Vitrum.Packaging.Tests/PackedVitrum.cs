using System.Reflection;
using System.Xml.Linq;

namespace Vitrum.Packaging.Tests;

/// <summary>
/// The solution's packages, packed once for the tests with `dotnet pack -no-build` (the test build has just built
/// every project) into a temporary folder. Each run gets its own version suffix, so the machine's NuGet cache never
/// serves packages of an earlier run; their folders are removed from the cache at the end.
/// </summary>
public sealed class PackedVitrum : IDisposable
{
    public static readonly string[] Ids = { "Vitrum.Tensors", "Vitrum.Nn", "Vitrum.Data", "Vitrum.Models", "Vitrum.Training", "vitrum" };

    public string Root { get; }
    public string Configuration { get; }
    public string VersionPrefix { get; }
    public string Version { get; }
    public string WorkDir { get; }
    public string PackDir => Path.Combine(WorkDir, "packages");

    public PackedVitrum()
    {
        Root = FindRoot();
        Configuration = typeof(PackedVitrum).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        VersionPrefix = XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        var suffix = $"t{Guid.NewGuid():N}"[..13];
        Version = $"{VersionPrefix}-{suffix}";
        WorkDir = Directory.CreateTempSubdirectory("vitrum-pack-").FullName;
        Dotnet.Run(Root, "pack", "Vitrum.sln", "-c", Configuration, "--no-build", "-o", PackDir, "--version-suffix", suffix, "-nodeReuse:false");
    }

    public string PackagePath(string id) => Path.Combine(PackDir, $"{id}.{Version}.nupkg");

    public void Dispose()
    {
        Directory.Delete(WorkDir, recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in Ids)
        {
            var dir = Path.Combine(cache, id.ToLowerInvariant(), Version);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            var idDir = Path.GetDirectoryName(dir)!;
            if (Directory.Exists(idDir) && !Directory.EnumerateFileSystemEntries(idDir).Any()) Directory.Delete(idDir);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vitrum.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Vitrum.sln above {AppContext.BaseDirectory}");
    }
}
