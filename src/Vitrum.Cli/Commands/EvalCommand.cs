using System.Globalization;
using System.Text.Json;
using Vitrum.Tensors.Threading;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum eval --weights W [--model M] --dataset NAME</c>: test loss and accuracy.</summary>
public static class EvalCommand
{
    public static int Run(CliArgs args)
    {
        var weights = args.Required("weights");
        var modelArg = args.String("model");
        var dataset = args.Required("dataset");
        if (dataset == G2PTrainCommand.Dataset) return G2PEvalCommand.Run(args, weights, modelArg);
        int batch = args.Int("batch-size", 256, 1, 65_536);
        args.ApplyThreads();
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        var model = WeightsFile.Load(weights, modelArg);
        var test = DatasetChoice.LoadTest(dataset, model.ImageSize, msg => Console.Error.WriteLine(msg));
        if (test.Channels != model.InChannels)
            throw new CliException($"the model expects {model.InChannels} input channels but dataset {dataset} has {test.Channels}");
        var (_, testTf) = DatasetChoice.Transforms(dataset, model.InChannels, model.ImageSize, test.Height);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (loss, acc) = Evaluation.Classify(model.Module, test, testTf, batch);
        if (!json) Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} test accuracy {1:P2}, loss {2:F4} ({3} images, {4:F1} s)", dataset, acc, loss, test.Count, sw.Elapsed.TotalSeconds));
        Console.WriteLine(JsonSerializer.Serialize(new { test_accuracy = acc, test_loss = loss, images = test.Count, seconds = Math.Round(sw.Elapsed.TotalSeconds, 2) }));
        return 0;
    }
}
