using Vitrum.Cli.Commands;

namespace Vitrum.Cli;

/// <summary>The <c>vitrum</c> command line; the contract is in shared/ARCHITECTURE.md.</summary>
public static class Program
{
    private const string Usage = """
        usage: vitrum COMMAND [options]

        commands:
          train --model PRESET|CONFIG.json --dataset mnist|fashion-mnist|cmudict|DIR [--epochs N] [--batch-size B]
                [--lr LR] [--out DIR] [--resume] [--threads T] [--seed S] [--mixup A] [--cutmix A] [--random-shift P] [--json]
                (DIR: one subfolder of PNG/JPEG images per class; writes weights, metrics.jsonl and chart.png)
                cmudict only: [--warmup-steps W] [--cooldown F] [--average-last N] [--max-minutes M] [--beam K] [--train-words N]
          eval --weights W [--model M] --dataset NAME|DIR [--json]   test accuracy (cmudict: WER/PER; [--beam K] [--split valid])
          predict --weights W [--model M] IMAGE... [--top K] [--dataset NAME|DIR] [--json]   top-k labels
          g2p --weights W [--beam K] [--json] WORD...            print pronunciations (ARPAbet) of words
          predict --weights W [--model M] --input X.safetensors [--output Y.safetensors] [--top K] [--json]
                (images: input [N,C,H,W]; Transformer: src [N,S] and tgt [N,T] int64 -> logits [N,T,V])
          attention --weights W [--model M] IMAGE --out map.png [--json]   attention rollout heat map
          inspect FILE [--json]                                  list tensors and metadata of a .safetensors or .pth file
          bench gemm --m M --n N --k K [--threads T] [--json]   time one SGEMM, print GFLOP/s
          bench model --model PRESET [--batch B] [--train] [--threads T] [--runs R] [--json]   ms per batch
          models [--json]                                        list model presets
          help                                                   this text
        """;

    public static int Main(string[] argv)
    {
        try
        {
            if (argv.Length == 0 || argv[0] is "help" or "--help" or "-h")
            {
                Console.WriteLine(Usage);
                return argv.Length == 0 ? 2 : 0;
            }
            return argv[0] switch
            {
                "bench" => Bench(argv[1..]),
                "inspect" => Commands.InspectCommand.Run(new CliArgs(argv[1..])),
                "train" => Commands.TrainCommand.Run(new CliArgs(argv[1..])),
                "eval" => Commands.EvalCommand.Run(new CliArgs(argv[1..])),
                "models" => Commands.ModelsCommand.Run(new CliArgs(argv[1..])),
                "predict" => Commands.PredictCommand.Run(new CliArgs(argv[1..])),
                "attention" => Commands.AttentionCommand.Run(new CliArgs(argv[1..])),
                "g2p" => Commands.G2PCommand.Run(new CliArgs(argv[1..])),
                _ => throw new CliException($"unknown command '{argv[0]}' (try 'vitrum help')"),
            };
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"vitrum: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException or NotSupportedException)
        {
            Console.Error.WriteLine($"vitrum: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private static int Bench(string[] argv)
    {
        if (argv.Length == 0) throw new CliException("bench needs a target: gemm or model");
        var args = new CliArgs(argv[1..]);
        return argv[0] switch
        {
            "gemm" => BenchGemmCommand.Run(args),
            "model" => BenchModelCommand.Run(args),
            _ => throw new CliException($"unknown bench target '{argv[0]}' (expected: gemm, model)"),
        };
    }
}
