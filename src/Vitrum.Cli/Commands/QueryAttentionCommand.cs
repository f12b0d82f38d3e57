using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Models;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum attention</c> for object detectors: where object queries look, as DETR's paper draws it (figure 6): each
/// query's cross-attention in the last decoder layer, averaged over the heads, as a heat map over the image the model
/// saw, with the query's box and caption on it. One panel per query, side by side in one picture: the queries given
/// with <c>--query</c>, else the best-scoring ones at or above the threshold (at most <see cref="MaxPanels"/>), else the
/// single best one. Boxes are given in pixels of the resized image the model saw (<c>input_size</c> in the JSON).
/// </summary>
public static class QueryAttentionCommand
{
    public const int MaxPanels = 4;

    public static int Run(string weights, string? modelArg, string imagePath, string outPath, IReadOnlyList<int> queries, double threshold, bool json)
    {
        string name = modelArg ?? Path.GetFileName(weights);
        var model = WeightsFile.Load(weights, modelArg, TaskKind.Detect);
        if (model.Instance.Module is not IQueryAttentionMap mapper)
            throw new CliException($"{name} has no attention map: {model.Instance.Family.Describe(model.Instance.Config)} does not define one");
        var cfg = model.Pretrained;
        var names = Detections.LabelNames(model, cfg.NumClasses, Path.GetFileName(weights));
        model.Instance.ForInference();
        var image = DetectionInput.Decode([imagePath])[0];
        var prepared = DetectionInput.Prepare(image, cfg, ImageInput.PreprocessFor(model, weights));
        var map = mapper.MapQueryAttention(prepared.Batch);
        int numQueries = map.Maps.Shape[1];
        if (queries.FirstOrDefault(q => q < 0 || q >= numQueries, -1) is var bad and >= 0)
            throw new CliException($"--query {bad}: the model has {numQueries} object queries (0-{numQueries - 1})");
        var shown = prepared.Shown;
        // Every query with its box in pixels of the resized image the maps are drawn over, best first.
        var all = Detections.Of(map.Output, new long[] { shown.Height, shown.Width }, double.NegativeInfinity, names)[0];
        var chosen = queries.Count > 0 ? queries.Distinct().Select(q => all.First(d => d.Query == q)).ToArray()
            : all.Where(d => d.Score >= threshold).Take(MaxPanels).DefaultIfEmpty(all[0]).ToArray();

        var panels = new List<DecodedImage>();
        foreach (var d in chosen)
        {
            var values = map.Maps.Select(0, 0).Select(0, d.Query).Contiguous().ToArray();
            var heat = HeatMap.Overlay(shown, values, map.Rows, map.Cols);
            float s = (float)heat.Width / shown.Width;
            var box = new DrawnBox(d.X0 * s, d.Y0 * s, d.X1 * s, d.Y1 * s, $"query {d.Query}: {d.Caption}", d.Label);
            panels.Add(BoxDrawing.Draw(heat, [box], minSize: 1));
        }
        var picture = ImageTiles.Row(panels);
        ImageFile.SavePng(outPath, picture);
        if (!json)
        {
            Console.WriteLine($"last decoder layer's cross-attention (mean of heads) over a {map.Rows}x{map.Cols} feature map of {imagePath} -> {outPath} ({picture.Width}x{picture.Height})");
            foreach (var d in chosen) Console.WriteLine($"  query {d.Query}: {d.Describe()}");
        }
        else Console.WriteLine(JsonSerializer.Serialize(new
        {
            image = imagePath, @out = outPath, kind = "decoder cross-attention", input_size = new[] { shown.Height, shown.Width }, grid = new[] { map.Rows, map.Cols }, width = picture.Width, height = picture.Height,
            queries = chosen.Select(d =>
            {
                var values = map.Maps.Select(0, 0).Select(0, d.Query).Contiguous().ToArray();
                int peak = Array.IndexOf(values, values.Max());
                return new { query = d.Query, category_id = d.Label, label = d.Name, score = d.Score, box = d.Box, peak_cell = new[] { peak / map.Cols, peak % map.Cols } };
            }).ToArray(),
        }, FiniteJson.Options));
        return 0;
    }
}
