namespace Vitrum.Cli;

/// <summary>
/// A failure the CLI reports as one line on stderr, with its exit code (<see cref="ExitCodes"/>): by default a
/// usage error (2); data that do not match the weights or the model are <see cref="ExitCodes.Failure"/> (1).
/// </summary>
public sealed class CliException(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>Refuses options that were given but apply only to another kind of run, rather than ignoring them.</summary>
    /// <param name="appliesTo">what the options are for ("sequence-to-sequence training (--dataset cmudict)")</param>
    /// <param name="task">what this run is ("image classification")</param>
    public static void ThrowIfGiven(IReadOnlyList<string> options, string appliesTo, string task)
    {
        if (options.Count > 0)
            throw new CliException($"{string.Join(", ", options)} only appl{(options.Count == 1 ? "ies" : "y")} to {appliesTo}, not to {task}");
    }
}
