using System.Text.Json;
using Vitrum.Nn.IO;

namespace Vitrum.Cli.Commands;

/// <summary><c>vitrum inspect FILE</c>: the tensors (name, dtype, shape) and metadata of a safetensors or .pth file.</summary>
public static class InspectCommand
{
    public static int Run(CliArgs args)
    {
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        if (args.Positional.Count != 1) throw new CliException("inspect needs exactly one FILE");
        var path = args.Positional[0];
        if (!File.Exists(path)) throw new CliException($"{path}: no such file");
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
        if (!json)
        {
            int width = entries.Count == 0 ? 4 : Math.Max(4, entries.Max(e => e.Name.Length));
            foreach (var (k, v) in metadata) Console.WriteLine($"# {k} = {v}");
            foreach (var e in entries)
                Console.WriteLine($"{e.Name.PadRight(width)}  {e.DType.Name(),-4}  [{string.Join(", ", e.Shape)}]");
            Console.WriteLine($"{entries.Count} tensors, {total:N0} elements");
        }
        var summary = new
        {
            file = path,
            tensors = entries.Select(e => new { name = e.Name, dtype = e.DType.Name(), shape = e.Shape }),
            metadata,
            count = entries.Count,
            elements = total,
        };
        Console.WriteLine(JsonSerializer.Serialize(summary));
        return 0;
    }
}
