using System.CommandLine;
using Vitrum.Cli.Parsing;

namespace Vitrum.Cli;

/// <summary>The <c>vitrum</c> command line; the contract is in shared/ARCHITECTURE.md, the commands in <see cref="CommandTree"/>.</summary>
public static class Program
{
    public static int Main(string[] argv)
    {
        using var signals = InterruptExit.Install();
        return Execute(argv);
    }

    /// <summary>Parses and runs one command; every failure is one line on stderr and an exit code of <see cref="ExitCodes"/>.</summary>
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
                return ExitCodes.Usage;
            }
            // Exceptions come here, to become one line; InterruptExit and CtrlC, not the library, handle SIGINT/SIGTERM (training saves a checkpoint first).
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (CliException e)
        {
            return Fail(e.Message, e.ExitCode);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException or NotSupportedException or UnauthorizedAccessException)
        {
            return Fail(e.Message, ExitCodes.Failure);
        }
        catch (OperationCanceledException)
        {
            return Fail("interrupted", ExitCodes.Interrupted);
        }
        // Anything else is a bug, still reported in one line with the usual code rather than a stack trace.
        catch (Exception e)
        {
            return Fail($"unexpected {e.GetType().Name}: {e.Message}", ExitCodes.Failure);
        }
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"vitrum: {message.ReplaceLineEndings(" ")}");
        return code;
    }
}
