using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Cli.Commands;

/// <summary>Builds the model a weights file describes (its config metadata, or --model) and loads the weights into it.</summary>
public static class WeightsFile
{
    public static ModelHandle Load(string path, string? modelArg)
    {
        var (tensors, config) = Read(path);
        var model = modelArg != null ? ModelChoice.Create(modelArg, 0)
            : config != null ? ModelChoice.FromConfigJson(config, Path.GetFileName(path))
            : throw new CliException($"{Path.GetFileName(path)} does not say which model it holds (no config metadata): give --model");
        try { model.Module.LoadStateDict(tensors); }
        catch (ArgumentException e) { throw new CliException($"{Path.GetFileName(path)} does not fit the model: {e.Message}"); }
        return model;
    }

    /// <summary>
    /// The state dict of a .pth file, a safetensors weights file or a Vitrum training checkpoint (its
    /// <c>model.</c> tensors, prefix removed), and the model config from the safetensors metadata if any.
    /// </summary>
    public static (Dictionary<string, Tensor> Tensors, string? Config) Read(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: no such weights file");
        if (StateDictFile.IsTorchZip(path)) return (PthFile.Load(path), null);
        using var f = SafetensorsFile.Open(path);
        f.Metadata.TryGetValue("config", out var config);
        bool training = f.Metadata.TryGetValue("format", out var fmt) && fmt == TrainingCheckpoint.Format;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var e in f.Entries)
        {
            if (training && !e.Name.StartsWith("model.", StringComparison.Ordinal)) continue;
            tensors[training ? e.Name["model.".Length..] : e.Name] = f.Load(e.Name);
        }
        return (tensors, config);
    }
}
