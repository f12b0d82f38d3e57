using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Datasets;
using Vitrum.Tensors.Threading;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum eval --weights W --dataset cmudict [--beam K] [--split test|valid]</c>: WER and PER of trained weights.</summary>
public static class G2PEvalCommand
{
    public static int Run(CliArgs args, string weights, string? modelArg)
    {
        int beam = args.Int("beam", 1, 1, 64);
        float lengthPenalty = (float)args.Double("length-penalty", 0.6);
        int batch = args.Int("batch-size", 512, 1, 65_536);
        var split = args.String("split") ?? "test";
        if (split is not ("test" or "valid")) throw new CliException($"--split must be 'test' or 'valid', got '{split}'");
        args.ApplyThreads();
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        var model = G2PModel.Load(weights, modelArg);
        var data = CmuDict.Load(msg => Console.Error.WriteLine(msg));
        var words = split == "test" ? data.Test : data.Valid;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var score = Seq2SeqEvaluation.Score(model, words, batch, beam, lengthPenalty);
        if (!json)
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "cmudict {0}: WER {1:P2}, PER {2:P2} ({3} words, {4}, {5:F1} s)",
                split, score.Wer, score.Per, score.Words, beam > 1 ? $"beam {beam}" : "greedy", sw.Elapsed.TotalSeconds));
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            [$"{split}_wer"] = score.Wer,
            [$"{split}_per"] = score.Per,
            ["words"] = score.Words,
            ["beam"] = beam,
            ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 2),
        }));
        return 0;
    }
}
