using System.Globalization;
using System.Text.Json;
using Vitrum.Models;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum eval --weights W [--model M] --dataset NAME</c>: test loss and accuracy. A folder's images are converted
/// to the model's channels as PIL's convert does, and its classes are matched to the weights' by name (<see cref="ClassMatch"/>).
/// </summary>
public static class EvalCommand
{
    public const int DefaultBatchSize = 256;

    public static int Run(EvalArgs a)
    {
        return ModelChoice.TaskOf(WeightsFile.Config(a.Weights, a.Model)) switch
        {
            TaskKind.Classify => EvalClassifier(a),
            TaskKind.Seq2Seq => G2PEvalCommand.Run(a),
            TaskKind.Detect => DetectEvalCommand.Run(a),
            var t => throw new CliException($"{Path.GetFileName(a.Weights)}: {t} models cannot be evaluated from the command line yet"),
        };
    }

    private static int EvalClassifier(EvalArgs a)
    {
        CliException.ThrowIfGiven(a.Seq2SeqOnlyGiven, "sequence-to-sequence evaluation", "image classification");
        DatasetChoice.RequireImages(a.Dataset, a.Model ?? Path.GetFileName(a.Weights));
        var model = WeightsFile.Load(a.Weights, a.Model);
        var test = DatasetChoice.LoadTest(a.Dataset, model.ImageSize, model.InChannels, msg => Console.Error.WriteLine(msg));
        if (test.Channels != model.InChannels)
            throw new CliException($"the model expects {model.InChannels} input channels but dataset {a.Dataset} has {test.Channels}", ExitCodes.Failure);
        test = ClassMatch.ToWeights(test, model.Metadata, model.Pretrained.NumClasses, a.Dataset, Path.GetFileName(a.Weights), msg => Console.Error.WriteLine(msg));
        var (_, testTf) = DatasetChoice.Transforms(a.Dataset, model.InChannels, model.ImageSize, test.Height, preprocess: ImageInput.PreprocessFor(model, a.Weights));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        model.Instance.ForInference();
        var (loss, acc) = Evaluation.Classify(model.Module, test, testTf, a.BatchSize ?? DefaultBatchSize);
        if (a.Json)
            Console.WriteLine(JsonSerializer.Serialize(new { test_accuracy = acc, test_loss = loss, images = test.Count, seconds = Math.Round(sw.Elapsed.TotalSeconds, 2) }, FiniteJson.Options));
        else
            ResultTable.Write(("data set", a.Dataset), ("test accuracy", acc.ToString("P2", CultureInfo.InvariantCulture)), ("test loss", loss.ToString("F4", CultureInfo.InvariantCulture)),
                ("images", test.Count.ToString("N0", CultureInfo.InvariantCulture)), ("seconds", sw.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)));
        return 0;
    }
}
