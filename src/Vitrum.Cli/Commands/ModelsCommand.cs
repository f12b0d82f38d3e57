using System.Text.Json;
using Vitrum.Models;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum models</c>: the presets with their family (a table, or with --json their configs).</summary>
public static class ModelsCommand
{
    public static int Run(bool json)
    {
        var rows = ModelRegistry.PresetNames.Select(n =>
        {
            var c = ModelRegistry.Preset(n);
            return new { name = n, family = c.Family, config = JsonSerializer.Deserialize<JsonElement>(c.ToJson()) };
        }).ToList();
        if (json) Console.WriteLine(JsonSerializer.Serialize(new { models = rows }));
        else ResultTable.Write(["preset", "family"], rows.Select(r => new[] { r.name, r.family }));
        return 0;
    }
}
