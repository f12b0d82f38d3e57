using System.Text.Json;
using Vitrum.Data.Coco;
using Vitrum.Training;
using Vitrum.Training.Coco;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum coco-eval GT.json DETECTIONS.json [--json]</c>: COCO's box AP and AR of any detector's results, printed
/// as pycocotools' 12-line summary, or with --json as one object with <c>stats</c> (the 12 numbers in COCOeval's order),
/// each under its own name (<c>ap</c>, <c>ap50</c>, ... <c>ar_large</c>) and the AP of each category.
/// </summary>
public static class CocoEvalCommand
{
    public static int Run(string groundTruth, string detections, bool json)
    {
        var gt = CocoDatasetReader.Read(groundTruth);
        var result = CocoEvaluator.Evaluate(gt, CocoResultsReader.Read(detections, gt));
        if (result.UnlistedCategoryDetections > 0)
            Console.Error.WriteLine($"note: {result.UnlistedCategoryDetections:N0} of the {result.Detections:N0} detections in {detections} name a category "
                + $"that {groundTruth} does not list (left out, as COCOeval does)");
        if (json)
        {
            var o = new Dictionary<string, object> { ["stats"] = result.Stats.Values };
            for (int i = 0; i < CocoStats.Names.Count; i++) o[CocoStats.Names[i]] = result.Stats.Values[i];
            o["per_category"] = result.PerCategory.Select(c => new { category_id = c.CategoryId, name = c.Name, ap = c.Ap });
            o["images"] = gt.Images.Count;
            o["detections"] = result.Detections;
            Console.WriteLine(JsonSerializer.Serialize(o, FiniteJson.Options));
        }
        else
            foreach (var line in result.Stats.SummaryLines()) Console.WriteLine(line);
        return ExitCodes.Ok;
    }
}
