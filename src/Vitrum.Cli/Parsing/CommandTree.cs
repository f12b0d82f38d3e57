using System.CommandLine;
using System.CommandLine.Help;

namespace Vitrum.Cli.Parsing;

/// <summary>
/// The <c>vitrum</c> command tree. Parsed with System.CommandLine, the maintained parser of the .NET SDK's own
/// CLI: typed, validated options, sub-commands and generated help, while the commands stay plain methods
/// (Spectre.Console.Cli would impose its own command classes); its several-line error output is replaced by
/// <see cref="UsageError"/>'s one line.
/// </summary>
public static class CommandTree
{
    private const string RootExample = "vitrum train --model vit_mnist --dataset mnist";

    /// <param name="execute">runs an argument list as Program does (the help command re-enters it with --help)</param>
    public static RootCommand Create(Func<IReadOnlyList<string>, int> execute)
    {
        var root = new RootCommand("Vitrum: Vision Transformers and Transformers in C# on the CPU. 'vitrum COMMAND --help' describes a command.")
        {
            TrainCli.Create(),
            EvalCli.Create(),
            EvalCli.CocoEval(),
            InferenceCli.Predict(),
            InferenceCli.Detect(),
            InferenceCli.Attention(),
            InferenceCli.G2P(),
            UtilityCli.Inspect(),
            UtilityCli.Models(),
            UtilityCli.Bench(),
        };
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExample((HelpAction)help.Action!, RootExample);
        root.Add(HelpCommand(execute));
        return root;
    }

    private static VitrumCommand HelpCommand(Func<IReadOnlyList<string>, int> execute)
    {
        var path = new Argument<string[]>("command") { HelpName = "COMMAND", Description = "the command (and sub-command) to describe", Arity = ArgumentArity.ZeroOrMore };
        var command = new VitrumCommand("help", "Describe vitrum or one of its commands (the same as --help).", "vitrum help bench model") { path };
        command.Runs(r => execute([.. r.GetValue(path) ?? [], "--help"]));
        return command;
    }
}
