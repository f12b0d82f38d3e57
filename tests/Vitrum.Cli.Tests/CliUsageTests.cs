using System.Text.Json;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// The parsing contract: malformed invocations are one stderr line naming the problem and exit 2 before any
/// work starts; every command answers --help and -h; results are JSON only with --json; no escape codes
/// reach redirected output.
/// </summary>
public class CliUsageTests
{
    /// <summary>An existing weights file, for invocations that must get past the --weights check.</summary>
    private static readonly string Weights = Path.Combine(AppContext.BaseDirectory, "fixtures", "io", "state_dict.pth");

    private static readonly string[] Mnist = ["train", "--model", "vit_mnist", "--dataset", "mnist"];

    public static TheoryData<string[], string[]> Malformed() => new()
    {
        { [], ["no command given", "train"] },
        { ["frobnicate"], ["unknown command 'frobnicate'", "bench"] },
        { ["trian", "--model", "vit_mnist"], ["unknown command 'trian'", "did you mean train?"] },
        { [.. Mnist, "--epoch", "3"], ["unknown option --epoch", "did you mean --epochs?"] },
        { [.. Mnist, "--batchsize", "8"], ["unknown option --batchsize", "did you mean --batch-size?"] },
        { [.. Mnist, "--epochs"], ["option --epochs needs a value"] },
        { ["train", "--dataset", "mnist"], ["missing required option --model"] },
        { [.. Mnist, "--epochs", "ten"], ["option --epochs expects an integer, got 'ten'"] },
        { [.. Mnist, "--epochs", "0"], ["option --epochs must be in [1, 100000], got 0"] },
        { [.. Mnist, "--lr", "-1"], ["option --lr must be > 0, got -1"] },
        { [.. Mnist, "--lr", "fast"], ["option --lr expects a number, got 'fast'"] },
        { [.. Mnist, "--lr", "1e-3", "--lr", "2e-3"], ["option --lr given more than once"] },
        { [.. Mnist, "--threads", "0"], ["option --threads must be in [1, 256], got 0"] },
        { [.. Mnist, "--mixup-prob", "2"], ["option --mixup-prob must be in [0, 1], got 2"] },
        { [.. Mnist, "--max-steps", "1.5"], ["option --max-steps expects an integer, got '1.5'"] },
        { ["train", "--model", "vit_mnist", "--dataset", "no-such-dir"], ["option --dataset", "'no-such-dir' is neither a known data set"] },
        { [.. Mnist, "--warmup-steps", "100"], ["--warmup-steps only applies to sequence-to-sequence training"] },
        { ["train", "--model", "g2p_transformer", "--dataset", "cmudict", "--mixup", "0.2"], ["--mixup only applies to image classification"] },
        { ["eval", "--weights", "no-such.safetensors", "--dataset", "mnist"], ["option --weights", "no such weights file 'no-such.safetensors'"] },
        { ["eval", "--dataset", "mnist"], ["missing required option --weights"] },
        { ["eval", "--weights", Weights, "--dataset", "mnist", "--split", "train"], ["option --split must be 'test' or 'valid', got 'train'"] },
        { ["eval", "--weights", Weights, "--model", "vit_mnist", "--dataset", "mnist", "--beam", "4"], ["--beam only applies to sequence-to-sequence evaluation"] },
        { ["predict", "--weights", Weights, "no-such.png"], ["no such image file 'no-such.png'"] },
        { ["predict", "--weights", Weights, "--input", "no-such.safetensors"], ["option --input", "no such input file 'no-such.safetensors'"] },
        { ["predict", "--weights", Weights, "--top", "many", "a.png"], ["option --top expects an integer, got 'many'"] },
        { ["attention", "--weights", Weights, "no-such.png", "--out", "map.png"], ["no such image file 'no-such.png'"] },
        { ["attention", "--weights", Weights, Weights], ["missing required option --out"] },
        { ["g2p", "--weights", Weights], ["g2p: needs at least one word"] },
        { ["g2p", "--weights", Weights, "--beam", "100", "hello"], ["option --beam must be in [1, 64], got 100"] },
        { ["inspect"], ["inspect: needs one file"] },
        { ["inspect", "no-such.pth"], ["no such file 'no-such.pth'"] },
        { ["models", "--jsno"], ["unknown option --jsno", "did you mean --json?"] },
        { ["models", "extra"], ["unexpected argument 'extra'"] },
        { ["bench"], ["bench: no sub-command given", "gemm, model"] },
        { ["bench", "gemn"], ["unknown sub-command 'gemn'", "did you mean gemm?"] },
        { ["bench", "gpu"], ["unknown sub-command 'gpu'", "gemm, model"] },
        { ["bench", "gemm", "--m", "0"], ["option --m must be in [1, 65536], got 0"] },
        { ["bench", "gemm", "--seconds", "0"], ["option --seconds must be > 0, got 0"] },
        { ["bench", "model"], ["bench model: missing required option --model"] },
        { ["bench", "model", "--model", "vit_mnist", "--runs"], ["option --runs needs a value"] },
        { ["help", "frobnicate"], ["unknown command 'frobnicate'"] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_invocation_is_one_stderr_line_naming_the_problem_and_exit_2(string[] args, string[] expected)
    {
        var (code, output, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = OneLine(err);
        Assert.StartsWith("vitrum: ", line);
        foreach (var e in expected) Assert.Contains(e, line);
    }

    [Theory]
    [InlineData("", "train", null)]
    [InlineData("train", "--epochs", "[default: the preset's recipe, else 10]")]
    [InlineData("eval", "--batch-size", "[default: 256, 512 for cmudict]")]
    [InlineData("predict", "--top", "[default: 5]")]
    [InlineData("attention", "--out", "[default: the config stored in the weights]")]
    [InlineData("g2p", "--beam", "[default: 1]")]
    [InlineData("inspect", "--json", null)]
    [InlineData("models", "--json", null)]
    [InlineData("bench", "gemm", null)]
    [InlineData("bench gemm", "--seconds", "[default: 3]")]
    [InlineData("bench model", "--warmup", "[default: 3, with --train 2]")]
    [InlineData("help", "COMMAND", null)]
    public void Every_command_answers_help_and_h_with_its_options_defaults_and_an_example(string command, string option, string? defaultText)
    {
        var path = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var flag in new[] { "--help", "-h" })
        {
            var (code, output, err) = Run([.. path, flag]);
            Assert.True(code == 0, err);
            Assert.Equal("", err);
            Assert.Contains($"Usage:\n  vitrum {command}".TrimEnd(), output);
            Assert.Contains("Options:", output);
            Assert.Contains(option, output);
            Assert.Contains("--help", output);
            if (defaultText != null) Assert.Contains(defaultText, output);
            var lines = output.Split('\n');
            int example = Array.IndexOf(lines, "Example:");
            Assert.True(example >= 0 && example + 1 < lines.Length, output);
            Assert.StartsWith($"  vitrum {command}".TrimEnd(), lines[example + 1]);
        }
    }

    [Fact]
    public void Help_command_prints_the_same_text_as_the_help_option()
    {
        var viaCommand = Run("help", "bench", "model");
        var viaOption = Run("bench", "model", "--help");
        Assert.Equal(0, viaCommand.Code);
        Assert.Contains("--runs", viaCommand.Out);
        Assert.Equal(viaOption.Out, viaCommand.Out);
    }

    [Theory]
    [InlineData("models", "vit_mnist")]
    [InlineData("inspect", "linear.weight")]
    public void Results_are_a_table_without_json_and_one_json_line_with_it(string command, string expected)
    {
        string[] args = command == "inspect" ? ["inspect", Path.Combine(AppContext.BaseDirectory, "fixtures", "io", "state_dict.pth")] : [command];
        var (code, output, err) = Run(args);
        Assert.True(code == 0, err);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("{", output);
        Assert.DoesNotContain('\u001b', output);

        (code, output, err) = Run([.. args, "--json"]);
        Assert.True(code == 0, err);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = JsonDocument.Parse(line);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        Assert.Contains(expected, line);
    }
}
