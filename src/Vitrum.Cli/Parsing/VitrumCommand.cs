using System.CommandLine;
using System.CommandLine.Parsing;
using Vitrum.Tensors.Threading;

namespace Vitrum.Cli.Parsing;

/// <summary>A command with an example for its help, whose action applies <c>--threads</c> before running.</summary>
/// <param name="notes">remarks printed before the example in the help (which options apply when), one per line</param>
public sealed class VitrumCommand(string name, string description, string example, string? notes = null) : Command(name, description)
{
    /// <summary>One typical invocation, printed at the end of the command's help.</summary>
    public string Example { get; } = example;

    /// <summary>Lines printed under "Notes:" in the command's help, or null.</summary>
    public string? Notes { get; } = notes;

    /// <summary>Sets what the command does with its parsed values; --threads (when the command takes it) is applied to the worker pool first.</summary>
    public void Runs(Func<ParseResult, int> run) => SetAction(r =>
    {
        if (Options.Contains(CliOptions.Threads)) WorkerPool.ThreadCount = r.GetValue(CliOptions.Threads);
        return run(r);
    });

    /// <summary>The names of those of <paramref name="options"/> given on the command line (not defaulted).</summary>
    public static string[] Given(ParseResult r, IEnumerable<Option> options) =>
        options.Where(o => r.GetResult(o) is OptionResult { Implicit: false }).Select(o => o.Name).ToArray();
}
