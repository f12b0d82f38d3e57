using System.Text.Json;
using Vitrum.Models.Swin;
using Vitrum.Models.Transformer;
using Vitrum.Models.Vit;
using Vitrum.Nn;

namespace Vitrum.Models;

/// <summary>Named presets of every model family, JSON config files ({"family": "vit", ...}) and building a model from a config.</summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, IModelConfig> Presets =
        VitPresets.All.Select(kv => KeyValuePair.Create(kv.Key, (IModelConfig)kv.Value))
            .Concat(TransformerPresets.All.Select(kv => KeyValuePair.Create(kv.Key, (IModelConfig)kv.Value)))
            .Concat(SwinPresets.All.Select(kv => KeyValuePair.Create(kv.Key, (IModelConfig)kv.Value)))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static readonly Dictionary<string, Func<string, string, IModelConfig>> Families = new(StringComparer.Ordinal)
    {
        ["vit"] = VitConfig.FromJson,
        ["transformer"] = TransformerConfig.FromJson,
        ["swin"] = SwinConfig.FromJson,
    };

    /// <summary>The preset names, sorted.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = Presets.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <exception cref="ArgumentException">no preset has that name (the message lists the known ones)</exception>
    public static IModelConfig Preset(string name) =>
        Presets.TryGetValue(name, out var c) ? c
            : throw new ArgumentException($"unknown model preset '{name}'; known presets: {string.Join(", ", PresetNames)}");

    /// <summary>A config from JSON whose "family" field picks the config type.</summary>
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
        var known = string.Join(", ", Families.Keys.Order(StringComparer.Ordinal));
        if (family == null) throw new ArgumentException($"{source}: the config has no \"family\" string (one of: {known})");
        if (!Families.TryGetValue(family, out var parse)) throw new ArgumentException($"{source}: unknown model family '{family}' (one of: {known})");
        return parse(json, source);
    }

    /// <exception cref="FileNotFoundException">no such file</exception>
    public static IModelConfig LoadJsonFile(string path) =>
        File.Exists(path) ? ParseJson(File.ReadAllText(path), path) : throw new FileNotFoundException($"{path}: no such model config file", path);

    /// <summary>A preset name or, when it names an existing file or ends in .json, a JSON config file (the CLI's --model).</summary>
    public static IModelConfig Resolve(string presetOrPath) =>
        Presets.ContainsKey(presetOrPath) ? Presets[presetOrPath]
            : File.Exists(presetOrPath) || presetOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? LoadJsonFile(presetOrPath)
            : Preset(presetOrPath);

    /// <summary>A freshly initialized model of the config's family.</summary>
    public static Module Create(IModelConfig config, ulong seed = 0) => config switch
    {
        VitConfig vit => new VisionTransformer(vit, seed),
        TransformerConfig t => new TransformerModel(t, seed),
        SwinConfig swin => new SwinTransformer(swin, seed),
        _ => throw new ArgumentException($"no model is registered for config family '{config.Family}' ({config.GetType().Name})"),
    };
}
