using System.Text;
using System.Text.Json;

namespace Vitrum.Nn.IO;

/// <summary>Where one tensor's bytes lie in a safetensors file, and how to read them.</summary>
public sealed record TensorEntry(string Name, StorageDType DType, int[] Shape, long Begin, long End)
{
    public long Numel => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>
/// Parses and validates a safetensors JSON header per the public spec: every entry has a known dtype,
/// a shape whose byte size equals its byte range, ranges lie inside the data section and tile it with
/// no overlap or hole, names are unique, <c>__metadata__</c> maps strings to strings.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The spec caps the header at 100 MB; we also never read more than the file holds.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static (List<TensorEntry> Entries, Dictionary<string, string> Metadata) Parse(string file, ReadOnlySpan<byte> json, long dataLength)
    {
        var entries = new List<TensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
        try
        {
            Expect(file, reader.Read() && reader.TokenType == JsonTokenType.StartObject, null, "header is not a JSON object");
            while (true)
            {
                Expect(file, reader.Read(), null, "header JSON ends early");
                if (reader.TokenType == JsonTokenType.EndObject) break;
                var name = reader.GetString()!;
                if (!names.Add(name)) throw new CheckpointFormatException(file, name, "name appears twice in the header");
                Expect(file, reader.Read() && reader.TokenType == JsonTokenType.StartObject, name, "entry is not a JSON object");
                if (name == "__metadata__") ReadMetadata(file, ref reader, metadata);
                else entries.Add(ReadEntry(file, name, ref reader));
            }
            Expect(file, !reader.Read(), null, "trailing content after the header object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(file, null, $"header is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.GetString throws this for names or values that are not valid UTF-8.
            throw new CheckpointFormatException(file, null, "header holds a string that is not valid UTF-8", e);
        }
        CheckLayout(file, entries, dataLength);
        return (entries, metadata);
    }

    private static void ReadMetadata(string file, ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        while (true)
        {
            Expect(file, reader.Read(), "__metadata__", "ends early");
            if (reader.TokenType == JsonTokenType.EndObject) return;
            var key = reader.GetString()!;
            Expect(file, reader.Read() && reader.TokenType == JsonTokenType.String, "__metadata__", $"value of '{key}' is not a string");
            if (!metadata.TryAdd(key, reader.GetString()!)) throw new CheckpointFormatException(file, "__metadata__", $"key '{key}' appears twice");
        }
    }

    private static TensorEntry ReadEntry(string file, string name, ref Utf8JsonReader reader)
    {
        string? dtype = null;
        List<long>? shape = null, offsets = null;
        while (true)
        {
            Expect(file, reader.Read(), name, "entry ends early");
            if (reader.TokenType == JsonTokenType.EndObject) break;
            var key = reader.GetString();
            Expect(file, reader.Read(), name, "entry ends early");
            switch (key)
            {
                case "dtype" when dtype == null:
                    Expect(file, reader.TokenType == JsonTokenType.String, name, "dtype is not a string");
                    dtype = reader.GetString();
                    break;
                case "shape" when shape == null:
                    shape = ReadInts(file, name, "shape", ref reader);
                    break;
                case "data_offsets" when offsets == null:
                    offsets = ReadInts(file, name, "data_offsets", ref reader);
                    break;
                default:
                    throw new CheckpointFormatException(file, name, $"unexpected or repeated field '{key}'");
            }
        }
        if (dtype == null || shape == null || offsets == null)
            throw new CheckpointFormatException(file, name, "entry needs dtype, shape and data_offsets");
        if (!StorageDTypes.TryParse(dtype, out var dt))
            throw new CheckpointFormatException(file, name, $"unknown dtype '{dtype}' (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
        if (offsets.Count != 2 || offsets[1] < offsets[0])
            throw new CheckpointFormatException(file, name, "data_offsets must be [begin, end] with begin <= end");
        long numel = 1;
        foreach (var d in shape)
        {
            if (d > int.MaxValue) throw new CheckpointFormatException(file, name, $"dimension {d} is too large");
            numel *= d;
            if (numel > int.MaxValue) throw new CheckpointFormatException(file, name, $"shape [{string.Join(", ", shape)}] has more than 2^31 elements");
        }
        long bytes = numel * dt.Size();
        if (bytes != offsets[1] - offsets[0])
            throw new CheckpointFormatException(file, name, $"shape [{string.Join(", ", shape)}] of {dtype} needs {bytes} bytes but data_offsets span {offsets[1] - offsets[0]}");
        return new TensorEntry(name, dt, shape.Select(d => (int)d).ToArray(), offsets[0], offsets[1]);
    }

    private static List<long> ReadInts(string file, string name, string field, ref Utf8JsonReader reader)
    {
        Expect(file, reader.TokenType == JsonTokenType.StartArray, name, $"{field} is not an array");
        var res = new List<long>();
        while (true)
        {
            Expect(file, reader.Read(), name, $"{field} ends early");
            if (reader.TokenType == JsonTokenType.EndArray) return res;
            Expect(file, reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var v) && v >= 0, name, $"{field} holds a value that is not a non-negative integer");
            if (res.Count >= 64) throw new CheckpointFormatException(file, name, $"{field} has more than 64 values");
            res.Add(reader.GetInt64());
        }
    }

    private static void CheckLayout(string file, List<TensorEntry> entries, long dataLength)
    {
        long pos = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < pos) throw new CheckpointFormatException(file, e.Name, $"bytes [{e.Begin}, {e.End}) overlap another tensor");
            if (e.Begin > pos) throw new CheckpointFormatException(file, e.Name, $"hole in the data section: bytes [{pos}, {e.Begin}) belong to no tensor");
            pos = e.End;
        }
        if (pos != dataLength)
            throw new CheckpointFormatException(file, null, pos > dataLength
                ? $"tensors need {pos} data bytes but the file holds {dataLength}"
                : $"{dataLength - pos} trailing bytes after the last tensor");
    }

    private static void Expect(string file, bool ok, string? tensor, string problem)
    {
        if (!ok) throw new CheckpointFormatException(file, tensor, problem);
    }

    /// <summary>Serializes a header; the result is padded with spaces to a multiple of 8 bytes.</summary>
    public static byte[] Build(IReadOnlyList<TensorEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            foreach (var e in entries)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", e.DType.Name());
                w.WriteStartArray("shape");
                foreach (var d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int len = (int)ms.Length;
        int padded = (len + 7) / 8 * 8;
        var buf = new byte[padded];
        ms.GetBuffer().AsSpan(0, len).CopyTo(buf);
        buf.AsSpan(len).Fill((byte)' ');
        return buf;
    }
}
