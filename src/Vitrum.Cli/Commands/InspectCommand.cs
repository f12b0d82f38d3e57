using System.Text.Json;
using Vitrum.Nn.IO;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum inspect FILE</c>: the tensors (name, dtype, shape) and metadata of a safetensors or .pth file.</summary>
public static class InspectCommand
{
    public static int Run(string path, bool json)
    {
        List<TensorEntry> entries;
        IReadOnlyDictionary<string, string> metadata;
        if (StateDictFile.IsTorchZip(path))
        {
            entries = PthFile.List(path);
            metadata = new Dictionary<string, string>();
        }
        else
        {
            using var f = SafetensorsFile.Open(path);
            entries = f.Entries.ToList();
            metadata = f.Metadata;
        }
        long total = entries.Sum(e => e.Numel);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                file = path,
                tensors = entries.Select(e => new { name = e.Name, dtype = e.DType.Name(), shape = e.Shape }),
                metadata,
                count = entries.Count,
                elements = total,
            }));
        else
        {
            if (metadata.Count > 0) ResultTable.Write(["metadata", "value"], metadata.Select(m => new[] { m.Key, Shorten(m.Value) }));
            ResultTable.Write(["tensor", "dtype", "shape"], entries.Select(e => new[] { e.Name, e.DType.Name(), $"[{string.Join(", ", e.Shape)}]" }));
            Console.WriteLine($"{entries.Count} tensors, {total:N0} elements");
        }
        return 0;
    }

    /// <summary>Long metadata (a checkpoint's optimizer state, a config) cut to a few table lines; --json has it whole.</summary>
    private static string Shorten(string value) =>
        value.Length <= MaxShown ? value : $"{value[..MaxShown]}... ({value.Length:N0} characters; --json shows all)";

    private const int MaxShown = 160;
}
