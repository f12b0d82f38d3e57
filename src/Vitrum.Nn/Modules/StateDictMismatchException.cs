namespace Vitrum.Nn;

/// <summary>
/// A state dict that does not fit a module (<see cref="Module.LoadStateDict"/>). The message is one line whatever
/// the checkpoint's size: each list's first <see cref="Shown"/> keys and how many more it holds, then the likely
/// cause when the keys show one (<see cref="StateDictDiagnosis"/>); the full lists are in the properties.
/// </summary>
public sealed class StateDictMismatchException : ArgumentException
{
    /// <summary>Keys of each list named in the message.</summary>
    public const int Shown = 5;

    /// <summary>The module's keys the checkpoint lacks, in the module's order.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>The checkpoint's keys the module does not have, in the checkpoint's order.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    public IReadOnlyList<ShapeMismatch> Mismatched { get; }

    /// <summary>What the keys suggest went wrong ("the checkpoint's keys carry a 'module.' prefix"), or null.</summary>
    public string? Cause { get; }

    /// <summary>The first keys of each list and how many more it holds, without the module's name or the cause.</summary>
    public string Summary { get; }

    /// <param name="cause">what the keys suggest, or null (<see cref="StateDictDiagnosis.Cause"/>)</param>
    public StateDictMismatchException(string module, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<ShapeMismatch> mismatched, string? cause)
        : this(module, missing, unexpected, mismatched, cause, Summarize(missing, unexpected, mismatched)) { }

    private StateDictMismatchException(string module, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<ShapeMismatch> mismatched, string? cause, string summary)
        : base($"LoadStateDict into {module}: {summary}{(cause == null ? "" : $". Likely cause: {cause}")}")
    {
        (Missing, Unexpected, Mismatched, Cause, Summary) = (missing, unexpected, mismatched, cause, summary);
    }

    private static string Summarize(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<ShapeMismatch> mismatched)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing keys: {First(missing, ", ")}");
        if (unexpected.Count > 0) parts.Add($"unexpected keys: {First(unexpected, ", ")}");
        if (mismatched.Count > 0) parts.Add($"shape mismatches: {First(mismatched.Select(m => m.ToString()).ToList(), "; ")}");
        return string.Join(". ", parts);
    }

    /// <summary>"a, b, c, d, e and 145 more" (all of them when there are at most <see cref="Shown"/> + 1).</summary>
    private static string First(IReadOnlyList<string> items, string separator) =>
        items.Count <= Shown + 1 ? string.Join(separator, items) : $"{string.Join(separator, items.Take(Shown))} and {items.Count - Shown} more";
}
