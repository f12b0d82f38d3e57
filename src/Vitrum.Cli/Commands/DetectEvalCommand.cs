using System.Diagnostics;
using System.Text.Json;
using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Models.Detr;
using Vitrum.Nn;
using Vitrum.Training;
using Vitrum.Training.Coco;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum eval --weights W --dataset digit-scenes</c> for a DETR: COCO box AP and AR of the test split (a folder's val
/// split when it has no test split) as DETR's evaluation computes them, printed as pycocotools' 12-line summary or, with
/// --json, as <c>{"test_ap":...,"test_ap50":...,...,"images":...,"seconds":...}</c>.
/// </summary>
public static class DetectEvalCommand
{
    public const int DefaultBatchSize = 32;

    public static int Run(EvalArgs a)
    {
        CliException.ThrowIfGiven(a.Seq2SeqOnlyGiven, "sequence-to-sequence evaluation", "object detection");
        if (!DetectionDatasetChoice.IsDetection(a.Dataset))
            throw new CliException($"{Path.GetFileName(a.Weights)} holds an object detector; --dataset {a.Dataset} is not a detection data set (give {string.Join(", ", DetectionDatasetChoice.Names)} or a folder with COCO annotations)");
        var tensors = WeightsFile.ReadWithMetadata(a.Weights, out var metadata);
        var model = ModelRegistry.Build(WeightsFile.Config(a.Weights, a.Model));
        try { model.LoadWeights(tensors, Path.GetFileName(a.Weights)); }
        catch (ArgumentException e) { throw new CliException(e.Message, ExitCodes.Failure); }
        var cfg = model.Pretrained!;
        var test = DetectionDatasetChoice.LoadTest(a.Dataset, cfg.InChans, msg => Console.Error.WriteLine(msg));
        var preprocess = Preprocess.FromMetadata(metadata, a.Weights) ?? DetectionDatasetChoice.Preprocessing(a.Dataset, cfg);
        var (_, transform) = DetectionDatasetChoice.Transforms(a.Dataset, cfg, preprocess);
        var sw = Stopwatch.StartNew();
        model.ForInference();
        var result = DetrEvaluation.Evaluate(model.Detector, test, transform, a.BatchSize ?? DefaultBatchSize);
        if (a.Json)
        {
            var o = new Dictionary<string, object>();
            for (int i = 0; i < CocoStats.Names.Count; i++) o["test_" + CocoStats.Names[i]] = result.Stats.Values[i];
            o["images"] = test.Count;
            o["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 2);
            Console.WriteLine(JsonSerializer.Serialize(o, FiniteJson.Options));
        }
        else
            foreach (var line in result.Stats.SummaryLines()) Console.WriteLine(line);
        return ExitCodes.Ok;
    }
}
