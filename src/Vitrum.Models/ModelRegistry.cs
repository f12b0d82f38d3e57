using System.Text.Json;
using Vitrum.Models.Detr;
using Vitrum.Models.Resnet;
using Vitrum.Models.Swin;
using Vitrum.Models.Tnt;
using Vitrum.Models.Transformer;
using Vitrum.Models.Vit;
using Vitrum.Nn;

namespace Vitrum.Models;

/// <summary>
/// Every model family's descriptor, their named presets, JSON config files (<c>{"family": "vit", ...}</c>) and
/// building a model from a config. A new family adds its descriptor to <see cref="Families"/> and nothing else here.
/// </summary>
public static class ModelRegistry
{
    /// <summary>The families, by their JSON tag.</summary>
    public static IReadOnlyList<IModelFamily> Families { get; } = new IModelFamily[] { VitFamily.Instance, SwinFamily.Instance, TntFamily.Instance, TransformerFamily.Instance, ResnetFamily.Instance, DetrFamily.Instance };

    private static readonly Dictionary<string, IModelFamily> ByName = Families.ToDictionary(f => f.Name, StringComparer.Ordinal);

    private static readonly Dictionary<string, (IModelFamily Family, IModelConfig Config)> Presets =
        Families.SelectMany(f => f.Presets.Select(p => (p.Key, (f, p.Value)))).ToDictionary(p => p.Key, p => p.Item2, StringComparer.Ordinal);

    /// <summary>The preset names, sorted.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = Presets.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <exception cref="ArgumentException">no preset has that name (the message lists the known ones)</exception>
    public static IModelConfig Preset(string name) =>
        Presets.TryGetValue(name, out var p) ? p.Config
            : throw new ArgumentException($"unknown model preset '{name}'; known presets: {string.Join(", ", PresetNames)}");

    /// <summary>The descriptor of a config's family.</summary>
    /// <exception cref="ArgumentException">no family has that tag</exception>
    public static IModelFamily Family(IModelConfig config) => Family(config.Family, config.GetType().Name);

    private static IModelFamily Family(string name, string source) =>
        ByName.TryGetValue(name, out var f) ? f
            : throw new ArgumentException($"{source}: unknown model family '{name}' (one of: {string.Join(", ", ByName.Keys.Order(StringComparer.Ordinal))})");

    /// <summary>A config from JSON whose "family" field picks the descriptor that parses it.</summary>
    /// <param name="source">the name used in error messages (e.g. the file's path)</param>
    /// <exception cref="ArgumentException">invalid JSON, a missing or unknown family, unknown fields or inconsistent values</exception>
    public static IModelConfig ParseJson(string json, string source = "config")
    {
        string? family;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{source}: a model config must be a JSON object");
            family = doc.RootElement.TryGetProperty("family", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        }
        catch (JsonException e) { throw new ArgumentException($"{source}: invalid JSON ({e.Message})", e); }
        if (family == null)
            throw new ArgumentException($"{source}: the config has no \"family\" string (one of: {string.Join(", ", ByName.Keys.Order(StringComparer.Ordinal))})");
        return Family(family, source).ParseConfig(json, source);
    }

    /// <exception cref="FileNotFoundException">no such file</exception>
    public static IModelConfig LoadJsonFile(string path) =>
        File.Exists(path) ? ParseJson(File.ReadAllText(path), path) : throw new FileNotFoundException($"{path}: no such model config file", path);

    /// <summary>A preset name or, when it names an existing file or ends in .json, a JSON config file (the CLI's --model).</summary>
    public static IModelConfig Resolve(string presetOrPath) =>
        Presets.TryGetValue(presetOrPath, out var p) ? p.Config
            : File.Exists(presetOrPath) || presetOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? LoadJsonFile(presetOrPath)
            : Preset(presetOrPath);

    /// <summary>A freshly initialized model of the config's family.</summary>
    public static Module Create(IModelConfig config, ulong seed = 0) => Family(config).Create(config, seed);

    /// <summary>A freshly initialized model with its family's descriptor.</summary>
    public static ModelInstance Build(IModelConfig config, ulong seed = 0)
    {
        var family = Family(config);
        return new ModelInstance(family, config, family.Create(config, seed));
    }

    /// <summary>The recipe of <paramref name="model"/> (a preset name or a config file) on <paramref name="dataset"/>, from its family.</summary>
    public static TrainingRecipe Recipe(string model, IModelConfig config, string dataset) =>
        Family(config).Recipe(model, dataset);
}
