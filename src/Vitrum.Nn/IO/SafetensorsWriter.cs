using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Vitrum.Tensors;

namespace Vitrum.Nn.IO;

/// <summary>Writes tensors (float32 as F32, int64 as I64) and string metadata as a safetensors file, atomically.</summary>
public static class SafetensorsWriter
{
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var entries = new List<TensorEntry>(list.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long pos = 0;
        foreach (var (name, t) in list)
        {
            if (name == "__metadata__" || !seen.Add(name))
                throw new ArgumentException($"SafetensorsWriter: tensor name '{name}' is reserved or repeated");
            var dt = t.DType == DType.Float32 ? StorageDType.F32 : StorageDType.I64;
            long bytes = (long)t.Numel * dt.Size();
            entries.Add(new TensorEntry(name, dt, (int[])t.Shape.Clone(), pos, pos + bytes));
            pos += bytes;
        }
        var header = SafetensorsHeader.Build(entries, metadata);
        AtomicFile.Write(path, s =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            s.Write(len);
            s.Write(header);
            foreach (var (_, t) in list)
            {
                if (t.DType == DType.Float32) s.Write(MemoryMarshal.AsBytes<float>(t.ToArray()));
                else s.Write(MemoryMarshal.AsBytes<long>(t.ToLongArray()));
            }
        });
    }
}
