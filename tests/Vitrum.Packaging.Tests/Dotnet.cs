using System.Diagnostics;
using Xunit;

namespace Vitrum.Packaging.Tests;

/// <summary>Runs the dotnet CLI (or an installed tool) as a child process, as a user would, and fails the test on a non-zero exit or a hang.</summary>
public static class Dotnet
{
    /// <summary>
    /// The child's environment: the MSBuild and test-host variables that `dotnet test` sets for itself are dropped
    /// (they would steer the child's MSBuild), and no MSBuild node or compiler server outlives the child.
    /// </summary>
    private static void Prepare(ProcessStartInfo psi)
    {
        foreach (var key in psi.Environment.Keys.ToArray())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // Output formatted the same on every machine (the README example prints percentages).
        psi.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
    }

    public static string Run(string workDir, params string[] args) => Exec("dotnet", workDir, args);

    /// <returns>the child's standard output</returns>
    public static string Exec(string program, string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Prepare(psi);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(300_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish within 5 minutes");
        }
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)} exited with {p.ExitCode}:\n{output.Result}\n{err.Result}");
        return output.Result;
    }
}
