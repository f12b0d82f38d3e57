using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vitrum.Cli.Parsing;

/// <summary>
/// The one line that reports a failed parse, instead of System.CommandLine's several lines and help: the first
/// problem, prefixed with the command ("train: unknown option --epoch (did you mean --epochs?)").
/// </summary>
public static class UsageError
{
    public static string Describe(ParseResult r)
    {
        var command = r.CommandResult.Command;
        var path = CommandPath(r.CommandResult);
        string message = r.UnmatchedTokens.Count > 0 ? Unmatched(r.UnmatchedTokens[0], command) : Describe(r.Errors[0], command);
        return (path.Length > 0 ? $"{path}: " : "") + message.ReplaceLineEndings(" ");
    }

    private static string Describe(ParseError error, Command command) => error.SymbolResult switch
    {
        OptionResult { IdentifierTokenCount: 0 } o => $"missing required option {o.Option.Name}",
        OptionResult { IdentifierTokenCount: > 1 } o => $"option {o.Option.Name} given more than once",
        OptionResult { Tokens.Count: 0 } o when o.Option.Arity.MinimumNumberOfValues > 0 => $"option {o.Option.Name} needs a value",
        ArgumentResult a when a.Tokens.Count < a.Argument.Arity.MinimumNumberOfValues =>
            $"needs {(a.Argument.Arity.MaximumNumberOfValues == 1 ? "one" : "at least one")} {a.Argument.Name}",
        CommandResult when command.Subcommands.Count > 0 =>
            $"{(command is RootCommand ? "no command given" : "no sub-command given")} (expected: {string.Join(", ", command.Subcommands.Select(c => c.Name))}; see --help)",
        _ => error.Message,
    };

    private static string Unmatched(string token, Command command)
    {
        if (token.StartsWith('-'))
            return $"unknown option {token}{Suggest(token, command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Append("--help"))}";
        if (command.Subcommands.Count > 0)
        {
            var names = command.Subcommands.Select(c => c.Name).ToArray();
            var suggestion = Suggest(token, names);
            return $"unknown {(command is RootCommand ? "command" : "sub-command")} '{token}'" + (suggestion.Length > 0 ? suggestion : $" (expected: {string.Join(", ", names)})");
        }
        return $"unexpected argument '{token}'";
    }

    /// <summary>" (did you mean --epochs?)" naming the closest candidates, or "" when none is close.</summary>
    private static string Suggest(string token, IEnumerable<string> candidates)
    {
        var scored = candidates.Where(c => c.StartsWith('-') == token.StartsWith('-')).Distinct()
            .Select(c => (Name: c, Distance: Distance(token, c))).Where(c => c.Distance <= Math.Max(2, token.Length / 3)).ToList();
        if (scored.Count == 0) return "";
        int best = scored.Min(c => c.Distance);
        return $" (did you mean {string.Join(" or ", scored.Where(c => c.Distance == best).Select(c => c.Name).Take(3))}?)";
    }

    /// <summary>Edits (insertion, deletion, substitution, swap of neighbours) between two names.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c && c.Command is not RootCommand; r = r.Parent) names.Insert(0, c.Command.Name);
        return string.Join(' ', names);
    }
}
