using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Datasets;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum eval --weights W --dataset cmudict [--beam K] [--split test|valid]</c>: WER and PER of trained weights.</summary>
public static class G2PEvalCommand
{
    public const int DefaultBatchSize = 512;

    public static int Run(EvalArgs a)
    {
        if (a.Dataset != G2PTrainCommand.Dataset)
            throw new CliException($"{Path.GetFileName(a.Weights)} holds a sequence-to-sequence Transformer; it evaluates on --dataset {G2PTrainCommand.Dataset}, not '{a.Dataset}'");
        var model = G2PModel.Load(a.Weights, a.Model);
        var data = CmuDict.Load(msg => Console.Error.WriteLine(msg));
        var words = a.Split == "test" ? data.Test : data.Valid;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var score = Seq2SeqEvaluation.Score(model, words, a.BatchSize ?? DefaultBatchSize, a.Beam, (float)a.LengthPenalty);
        if (a.Json)
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                [$"{a.Split}_wer"] = score.Wer,
                [$"{a.Split}_per"] = score.Per,
                ["words"] = score.Words,
                ["beam"] = a.Beam,
                ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 2),
            }));
        else
            ResultTable.Write(("data set", $"cmudict {a.Split}"), ("WER", score.Wer.ToString("P2", CultureInfo.InvariantCulture)), ("PER", score.Per.ToString("P2", CultureInfo.InvariantCulture)),
                ("words", score.Words.ToString("N0", CultureInfo.InvariantCulture)), ("decoding", a.Beam > 1 ? $"beam {a.Beam}" : "greedy"),
                ("seconds", sw.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)));
        return 0;
    }
}
