using System.Globalization;
using System.Text.Json;
using Vitrum.Models;
using Vitrum.Nn;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum models</c>: the presets with their family, task, parameters and GMACs of one input at the preset's size,
/// counted from each model (<see cref="ModelCost"/>), so the cost of a Transformer and of a CNN read side by side.
/// </summary>
public static class ModelsCommand
{
    public static int Run(bool json)
    {
        var rows = ModelRegistry.PresetNames.Select(n =>
        {
            var c = ModelRegistry.Preset(n);
            ModelInstance model;
            using (Init.Skip()) model = ModelRegistry.Build(c);
            var pre = model.Pretrained;
            return new
            {
                name = n, family = c.Family, task = model.Task.ToString().ToLowerInvariant(),
                @params = ModelCost.Parameters(model), gmacs = ModelCost.Gmacs(model) is double g ? Math.Round(g, 3) : (double?)null,
                input_size = pre == null ? null : new[] { pre.InChans, pre.ImageSize, pre.ImageSize },
                config = JsonSerializer.Deserialize<JsonElement>(c.ToJson()),
            };
        }).ToList();
        if (json) Console.WriteLine(JsonSerializer.Serialize(new { models = rows }));
        else ResultTable.Write(["preset", "family", "task", "params (M)", "GMACs", "input"], rows.Select(r => new[]
        {
            r.name, r.family, r.task, (r.@params / 1e6).ToString("F2", CultureInfo.InvariantCulture),
            r.gmacs?.ToString("F2", CultureInfo.InvariantCulture) ?? "-", r.input_size == null ? "-" : string.Join("x", r.input_size),
        }));
        return 0;
    }
}
