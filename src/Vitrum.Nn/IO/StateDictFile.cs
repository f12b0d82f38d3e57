using Vitrum.Tensors;

namespace Vitrum.Nn.IO;

/// <summary>Reads every tensor of a weights file, whichever format it is in: a torch.save zip (.pth, .pt, .bin) or safetensors.</summary>
public static class StateDictFile
{
    /// <summary>All tensors by name (float types as float32); the format is told by the file's first bytes, not its name.</summary>
    /// <exception cref="CheckpointFormatException">the file is neither a valid torch.save zip nor a valid safetensors file</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such weights file", path);
        if (IsTorchZip(path)) return PthFile.Load(path);
        using var f = SafetensorsFile.Open(path);
        return f.Entries.ToDictionary(e => e.Name, e => f.Load(e.Name), StringComparer.Ordinal);
    }

    /// <summary>True when the file starts with a zip local-file header, as torch.save's files do.</summary>
    public static bool IsTorchZip(string path)
    {
        using var fs = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return fs.Read(magic) == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
    }
}
