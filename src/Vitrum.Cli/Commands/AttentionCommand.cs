using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Models.Vit;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum attention --weights W [--model M] IMAGE --out map.png</c>: the attention rollout of a ViT drawn as a heat map over the image.</summary>
public static class AttentionCommand
{
    public static int Run(string weights, string? modelArg, string imagePath, string outPath, bool json)
    {
        var model = WeightsFile.Load(weights, modelArg);
        if (model.Module is not VisionTransformer vit) throw new CliException("attention rollout needs a ViT checkpoint");
        vit.Eval();
        using var x = ImageInput.Load([imagePath], model, ImageInput.PreprocessFor(model, weights), out var shown);
        var map = AttentionRollout.PatchMap(vit, x, 0, out int gh, out int gw);
        var image = HeatMap.Overlay(shown[0], map, gh, gw);
        ImageFile.SavePng(outPath, image);
        int peak = Array.IndexOf(map, map.Max());
        if (!json) Console.WriteLine($"attention rollout of {imagePath} over {gh}x{gw} patches ({vit.Blocks.Count} blocks) -> {outPath} ({image.Width}x{image.Height})");
        else Console.WriteLine(JsonSerializer.Serialize(new { image = imagePath, @out = outPath, grid = new[] { gh, gw }, peak_patch = new[] { peak / gw, peak % gw }, width = image.Width, height = image.Height }));
        return 0;
    }
}
