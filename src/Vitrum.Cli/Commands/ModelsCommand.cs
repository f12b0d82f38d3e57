using System.Text.Json;
using Vitrum.Models;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum models</c>: the presets, with their family and parameter count.</summary>
public static class ModelsCommand
{
    public static int Run(CliArgs args)
    {
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        var rows = ModelRegistry.PresetNames.Select(n =>
        {
            var c = ModelRegistry.Preset(n);
            return new { name = n, family = c.Family, config = JsonSerializer.Deserialize<JsonElement>(c.ToJson()) };
        }).ToList();
        if (!json)
            foreach (var r in rows) Console.WriteLine($"{r.name,-26} {r.family}");
        Console.WriteLine(JsonSerializer.Serialize(new { models = rows }));
        return 0;
    }
}
