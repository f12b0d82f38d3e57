using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Models;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum attention --weights W [--model M] IMAGE --out map.png</c>: where an image model attends, drawn as a heat
/// map over the image. The model says what its map is (<see cref="IAttentionMap"/>): the attention rollout of a ViT
/// or of TNT's outer blocks, the last stage's window attention of a Swin; a detector's object queries' cross-attention
/// (<see cref="QueryAttentionCommand"/>).
/// </summary>
public static class AttentionCommand
{
    public static int Run(string weights, string? modelArg, string imagePath, string outPath, IReadOnlyList<int> queries, double threshold, bool json)
    {
        string name = modelArg ?? Path.GetFileName(weights);
        var config = WeightsFile.Config(weights, modelArg);
        if (ModelChoice.TaskOf(config) == TaskKind.Detect) return QueryAttentionCommand.Run(weights, modelArg, imagePath, outPath, queries, threshold, json);
        if (queries.Count > 0) throw new CliException($"--query picks the object queries of a detector; {name} is a '{config.Family}' model ({ModelChoice.TaskOf(config)})");
        if (ModelChoice.TaskOf(config) != TaskKind.Classify)
            throw new CliException($"{name} has no attention map: a '{config.Family}' model ({ModelChoice.TaskOf(config)}) takes no images");
        var model = WeightsFile.Load(weights, modelArg);
        if (model.Module is not IAttentionMap mapper)
            throw new CliException($"{name} has no attention map: {model.Instance.Family.Describe(model.Instance.Config)} does not define one");
        model.Module.Eval();
        using var x = ImageInput.Load([imagePath], model, ImageInput.PreprocessFor(model, weights), out var shown);
        var map = mapper.MapAttention(x, 0);
        var image = HeatMap.Overlay(shown[0], map.Values, map.Rows, map.Cols);
        ImageFile.SavePng(outPath, image);
        int peak = Array.IndexOf(map.Values, map.Values.Max());
        if (!json) Console.WriteLine($"{map.Description} of {imagePath} over a {map.Rows}x{map.Cols} grid -> {outPath} ({image.Width}x{image.Height})");
        else Console.WriteLine(JsonSerializer.Serialize(new
        {
            image = imagePath, @out = outPath, kind = map.Kind, grid = new[] { map.Rows, map.Cols }, peak_patch = new[] { peak / map.Cols, peak % map.Cols },
            width = image.Width, height = image.Height,
        }));
        return 0;
    }
}
