namespace Vitrum.Cli;

/// <summary>Thrown for bad command-line usage or input; the CLI prints its message as one line and exits 2.</summary>
public sealed class CliException(string message) : Exception(message)
{
    /// <summary>Refuses options that were given but apply only to another kind of run, rather than ignoring them.</summary>
    /// <param name="appliesTo">what the options are for ("sequence-to-sequence training (--dataset cmudict)")</param>
    /// <param name="task">what this run is ("image classification")</param>
    public static void ThrowIfGiven(IReadOnlyList<string> options, string appliesTo, string task)
    {
        if (options.Count > 0)
            throw new CliException($"{string.Join(", ", options)} only appl{(options.Count == 1 ? "ies" : "y")} to {appliesTo}, not to {task}");
    }
}
