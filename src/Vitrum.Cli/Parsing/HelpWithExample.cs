using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Vitrum.Cli.Parsing;

/// <summary>The library's help (description, usage, arguments, options with their defaults) followed by the command's notes and example.</summary>
/// <param name="rootExample">the example under <c>vitrum --help</c></param>
public sealed class HelpWithExample(HelpAction help, string rootExample) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        int code = help.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        var command = parseResult.CommandResult.Command;
        if (command is VitrumCommand { Notes: { } notes })
        {
            output.WriteLine("Notes:");
            foreach (var line in notes.Split('\n')) output.WriteLine($"  {line}");
            output.WriteLine();
        }
        var example = command switch
        {
            VitrumCommand c => c.Example,
            RootCommand => rootExample,
            _ => null,
        };
        if (example != null)
        {
            output.WriteLine("Example:");
            output.WriteLine($"  {example}");
        }
        return code;
    }
}
