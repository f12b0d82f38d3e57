using Vitrum.Models;
using Vitrum.Nn;
using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Cli.Commands;

/// <summary>Builds the model a weights file describes (its config metadata, or --model) and loads the weights into it.</summary>
public static class WeightsFile
{
    /// <summary>The config of the model in <paramref name="path"/>: <paramref name="modelArg"/> when given, else the file's config metadata.</summary>
    public static IModelConfig Config(string path, string? modelArg)
    {
        if (modelArg != null) return ModelChoice.Config(modelArg);
        if (!File.Exists(path)) throw new CliException($"{path}: no such weights file");
        if (!StateDictFile.IsTorchZip(path))
        {
            using var f = SafetensorsFile.Open(path);
            if (f.Metadata.TryGetValue("config", out var json)) return ModelRegistry.ParseJson(json, Path.GetFileName(path));
        }
        throw new CliException($"{Path.GetFileName(path)} does not say which model it holds (no config metadata): give --model");
    }

    /// <summary>The image model of <paramref name="path"/> (a classifier, or a model of <paramref name="task"/>) with its weights loaded.</summary>
    public static ModelHandle Load(string path, string? modelArg, TaskKind task = TaskKind.Classify)
    {
        var tensors = ReadWithMetadata(path, out var metadata);
        metadata.TryGetValue("config", out var config);
        ModelHandle model;
        using (Init.Skip())
            model = ModelChoice.Create(modelArg != null ? ModelChoice.Config(modelArg)
                : config != null ? ModelRegistry.ParseJson(config, Path.GetFileName(path))
                : throw new CliException($"{Path.GetFileName(path)} does not say which model it holds (no config metadata): give --model"), 0, task);
        try { model.Instance.LoadWeights(tensors, Path.GetFileName(path)); }
        catch (ArgumentException e) { throw new CliException(e.Message, ExitCodes.Failure); }
        return model with { Metadata = metadata };
    }

    /// <summary>
    /// The model tensors of a .pth or safetensors file (a training checkpoint's "model." entries without the
    /// prefix) and the config JSON of its metadata, if any.
    /// </summary>
    public static Dictionary<string, Tensor> ReadTensors(string path, out string? config)
    {
        var tensors = ReadWithMetadata(path, out var metadata);
        metadata.TryGetValue("config", out config);
        return tensors;
    }

    /// <summary>The model tensors and the whole safetensors metadata (empty for .pth files).</summary>
    public static Dictionary<string, Tensor> ReadWithMetadata(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: no such weights file");
        Dictionary<string, Tensor> tensors;
        metadata = new Dictionary<string, string>();
        if (StateDictFile.IsTorchZip(path))
            tensors = PthFile.Load(path);
        else
        {
            using var f = SafetensorsFile.Open(path);
            metadata = f.Metadata;
            bool training = f.Metadata.TryGetValue("format", out var fmt) && fmt == TrainingCheckpoint.Format;
            tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var e in f.Entries)
            {
                if (training && !e.Name.StartsWith("model.", StringComparison.Ordinal)) continue;
                tensors[training ? e.Name["model.".Length..] : e.Name] = f.Load(e.Name);
            }
        }
        return tensors;
    }
}
