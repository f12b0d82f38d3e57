using System.Diagnostics;
using Xunit;

namespace Vitrum.Distributed.Tests;

/// <summary>
/// Starts the built vitrum.dll under the system's <c>mpirun</c> (OpenMPI's by its explicit name when several MPIs are
/// installed). These tests need it: <c>.ci/run</c> installs openmpi-bin when <c>mpirun</c> is missing, and without it
/// they fail saying so rather than skip.
/// </summary>
public static class Mpirun
{
    public static string Path
    {
        get
        {
            foreach (var p in new[] { "/usr/bin/mpirun.openmpi", "/usr/bin/mpirun" })
                if (File.Exists(p)) return p;
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => System.IO.Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
            Assert.Fail(found ?? "mpirun is not installed: the data-parallel tests need OpenMPI (.ci/run installs it; Debian: apt-get install openmpi-bin)");
            return found!;
        }
    }

    /// <summary>Starts <c>mpirun -np <paramref name="ranks"/> dotnet vitrum.dll ARGS</c> with stdout and stderr redirected.</summary>
    public static Process Start(int ranks, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", VitrumDll }.Concat(args)) psi.ArgumentList.Add(a);
        // OpenMPI refuses root (containers, CI) without these; other launchers ignore them.
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        // OpenMPI gives each rank's stdout a pseudo-terminal, where .NET's console first writes a keypad escape sequence.
        psi.Environment["TERM"] = "dumb";
        return Process.Start(psi)!;
    }

    public static (int Code, string Out, string Err) Run(int ranks, IEnumerable<string> args)
    {
        using var p = Start(ranks, args);
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(180_000), "mpirun hung");
        return (p.ExitCode, output, err.Result);
    }

    /// <summary>vitrum as one process, as a user would start it.</summary>
    public static (int Code, string Out, string Err) Single(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { VitrumDll }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(180_000), "vitrum hung");
        return (p.ExitCode, output, err.Result);
    }

    private static string VitrumDll => System.IO.Path.Combine(AppContext.BaseDirectory, "vitrum.dll");
}
