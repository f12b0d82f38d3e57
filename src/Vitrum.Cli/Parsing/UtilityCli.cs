using System.CommandLine;
using Vitrum.Cli.Commands;
using static Vitrum.Cli.Parsing.OptionFactory;

namespace Vitrum.Cli.Parsing;

/// <summary>The commands around models and files: <c>models</c>, <c>inspect</c>, <c>bench gemm</c> and <c>bench model</c>.</summary>
public static class UtilityCli
{
    public static VitrumCommand Models()
    {
        var command = new VitrumCommand("models", "The model presets and their family (with --json: their configs).", "vitrum models --json")
        {
            CliOptions.Json,
        };
        command.Runs(r => ModelsCommand.Run(r.GetValue(CliOptions.Json)));
        return command;
    }

    public static VitrumCommand Inspect()
    {
        var file = ExistingFileArgument("file", "FILE", "a .safetensors or PyTorch .pth file", "file");
        var command = new VitrumCommand("inspect", "The tensors (name, dtype, shape) and metadata of a weights file.",
            "vitrum inspect runs/vit_mnist-mnist/best.safetensors")
        {
            file, CliOptions.Json,
        };
        command.Runs(r => InspectCommand.Run(r.GetRequiredValue(file), r.GetValue(CliOptions.Json)));
        return command;
    }

    public static VitrumCommand Bench()
    {
        var command = new VitrumCommand("bench", "Benchmarks: one matrix product, or a model's inference or training step.", "vitrum bench model --model vit_small_patch16_224 --batch 8 --train");
        command.Add(BenchGemm());
        command.Add(BenchModel());
        return command;
    }

    private static VitrumCommand BenchGemm()
    {
        var size = new NumberRange<int>(1, 65_536);
        var m = Number("--m", "M", "rows of A and C", size, 2048);
        var n = Number("--n", "N", "columns of B and C", size, 2048);
        var k = Number("--k", "K", "columns of A, rows of B", size, 2048);
        var seconds = Number("--seconds", "S", "time spent measuring", NumberRange<double>.Above(0), 3.0);
        var command = new VitrumCommand("gemm", "Times C = A B (float32) for one shape; prints the median GFLOP/s.", "vitrum bench gemm --m 1024 --n 1024 --k 1024 --threads 1")
        {
            m, n, k, seconds, CliOptions.Threads, CliOptions.Json,
        };
        command.Runs(r => BenchGemmCommand.Run(r.GetValue(m), r.GetValue(n), r.GetValue(k), r.GetValue(seconds), r.GetValue(CliOptions.Json)));
        return command;
    }

    private static VitrumCommand BenchModel()
    {
        var batch = Number("--batch", "B", "images per batch", new NumberRange<int>(1, 4096), 1);
        var train = Flag("--train", "time a training step (forward, loss, backward, AdamW) instead of inference");
        var (inference, training) = (BenchModelCommand.DefaultRuns(false), BenchModelCommand.DefaultRuns(true));
        var warmup = OptionalNumber("--warmup", "N", "untimed runs first", new NumberRange<int>(0, 1000), $"{inference.Warmup}, with --train {training.Warmup}");
        var runs = OptionalNumber("--runs", "R", "timed runs (the median is reported)", new NumberRange<int>(1, 100_000), $"{inference.Runs}, with --train {training.Runs}");
        var profile = Flag("--profile", "then profile as many runs: time per op kind (forward and backward) and GFLOP/s per GEMM shape");
        var size = new Option<(int, int)?>("--size")
        {
            HelpName = "HxW", Description = "image height and width, e.g. 800x1066 for DETR (a single number: a square) [default: the model's image size, square]",
            CustomParser = ParseSize,
        };
        var command = new VitrumCommand("model", "Times an image model (classifier or detector) on random data: ms per batch, images/s and peak memory.",
            "vitrum bench model --model vit_small_patch16_224 --batch 8 --train --json",
            "A detector's training step is DETR's: forward, SetCriterion on fixed boxes, backward, gradient clipping at 0.1, AdamW.")
        {
            CliOptions.ModelToBuild, batch, size, train, warmup, runs, profile, CliOptions.Threads, CliOptions.Json,
        };
        command.Runs(r => BenchModelCommand.Run(r.GetRequiredValue(CliOptions.ModelToBuild), r.GetValue(batch), r.GetValue(size), r.GetValue(train),
            r.GetValue(warmup), r.GetValue(runs), r.GetValue(profile), r.GetValue(CliOptions.Json)));
        return command;
    }

    /// <summary>"800x1066" (height x width) or "224" (a square), each side in [1, 16384].</summary>
    private static (int, int)? ParseSize(System.CommandLine.Parsing.ArgumentResult r)
    {
        var v = r.Tokens[^1].Value;
        var parts = v.Split('x', 'X');
        var sides = parts.Select(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0).ToArray();
        if (parts.Length is not (1 or 2) || sides.Any(n => n is < 1 or > 16_384))
        {
            r.AddError($"option --size expects HxW (e.g. 800x1066) or one side, each in [1, 16384], got '{v}'");
            return null;
        }
        return (sides[0], sides[^1]);
    }
}
