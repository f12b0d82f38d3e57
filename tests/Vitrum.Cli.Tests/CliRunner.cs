using System.Diagnostics;
using Xunit;

namespace Vitrum.Cli.Tests;

/// <summary>Runs the built vitrum.dll as a child process, as a user would, and checks the one-line error contract.</summary>
public static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args) => RunWith(null, args);

    /// <param name="env">environment variables to set for the child</param>
    public static (int Code, string Out, string Err) RunWith(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vitrum.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), $"vitrum {string.Join(' ', args)} hung");
        return (p.ExitCode, output, err.Result);
    }

    /// <summary>The single stderr line of a failed command (no stack trace).</summary>
    public static string OneLine(string err)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.DoesNotContain("   at ", err);
        return lines[0];
    }

    public static string LastLine(string output) => output.Trim().Split('\n')[^1];

    /// <summary>The error line of a failed command that may have logged progress first: the last stderr line, with no stack trace.</summary>
    public static string ErrorLine(string err)
    {
        Assert.DoesNotContain("   at ", err);
        var line = LastLine(err);
        Assert.StartsWith("vitrum: ", line);
        return line;
    }
}
