using Xunit;

namespace Vitrum.Cli.Tests;

/// <summary>The CLI as a real process: exit codes, one-line errors on stderr, JSON on stdout's last line.</summary>
public class CliProcessTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "io", name);

    [Fact]
    public void Inspect_of_a_malformed_file_prints_one_line_on_stderr_and_exits_non_zero()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"vitrum-bad-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(bad, new byte[] { 200, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
        try
        {
            var (code, output, err) = Run("inspect", bad);
            Assert.NotEqual(0, code);
            Assert.Equal("", output);
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Contains(Path.GetFileName(bad), lines[0]);
            Assert.DoesNotContain("   at ", err);
        }
        finally { File.Delete(bad); }
    }

    [Fact]
    public void Inspect_refuses_a_pickle_that_asks_for_code()
    {
        var (code, _, err) = Run("inspect", Fixture("evil.pth"));
        Assert.Equal(1, code);
        Assert.Contains("not allowed", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Inspect_lists_tensors_and_ends_with_json()
    {
        var (code, output, _) = Run("inspect", Fixture("state_dict.pth"), "--json");
        Assert.Equal(0, code);
        var last = output.Trim().Split('\n')[^1];
        Assert.StartsWith("{", last);
        Assert.Contains("\"linear.weight\"", last);
        Assert.Contains("\"BF16\"", last);
    }

    [Fact]
    public void Unknown_command_and_option_are_usage_errors()
    {
        Assert.Equal(2, Run("frobnicate").Code);
        var (code, _, err) = Run("inspect", Fixture("state_dict.pth"), "--bogus", "1");
        Assert.Equal(2, code);
        Assert.Contains("--bogus", err);
    }
}
