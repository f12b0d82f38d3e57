using System.CommandLine;
using Vitrum.Cli.Parsing;

namespace Vitrum.Cli;

/// <summary>The <c>vitrum</c> command line; the contract is in shared/ARCHITECTURE.md, the commands in <see cref="CommandTree"/>.</summary>
public static class Program
{
    /// <summary>Usage errors (bad arguments, CliException); runtime errors exit 1, interrupted training 130.</summary>
    private const int UsageExit = 2;

    public static int Main(string[] argv) => Execute(argv);

    /// <summary>Parses and runs one command; every failure is one line on stderr.</summary>
    private static int Execute(IReadOnlyList<string> args)
    {
        try
        {
            var root = CommandTree.Create(Execute);
            // No response files: an argument starting with '@' is a name like any other.
            var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            // Help clears parse errors, but an unknown command or option is still reported ("vitrum trian --help").
            if (parsed.Action is System.CommandLine.Invocation.ParseErrorAction || parsed.UnmatchedTokens.Count > 0)
            {
                Console.Error.WriteLine($"vitrum: {UsageError.Describe(parsed)}");
                return UsageExit;
            }
            // Exceptions come here, to become one line; CtrlC, not the library, handles SIGINT/SIGTERM (training saves a checkpoint first).
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"vitrum: {e.Message.ReplaceLineEndings(" ")}");
            return UsageExit;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException or NotSupportedException)
        {
            Console.Error.WriteLine($"vitrum: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }
}
