using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Vitrum.Tensors;

namespace Vitrum.Nn.IO;

/// <summary>
/// A safetensors file opened for lazy reading: the header is read and fully validated up front (no
/// allocation beyond the header, which is bounded by the file's size); tensor bytes stay in a
/// read-only memory map until <see cref="Load"/> copies one into a tensor.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, TensorEntry> _byName;

    public string Path { get; }
    public IReadOnlyList<TensorEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(string path, List<TensorEntry> entries, Dictionary<string, string> metadata,
        MemoryMappedFile? map, MemoryMappedViewAccessor? view, long dataStart)
    {
        Path = path;
        Entries = entries;
        Metadata = metadata;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        _map = map;
        _view = view;
        _dataStart = dataStart;
        if (view != null)
        {
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + view.PointerOffset;
        }
    }

    public static SafetensorsFile Open(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        long length;
        List<TensorEntry> entries;
        Dictionary<string, string> metadata;
        long dataStart;
        try
        {
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                length = fs.Length;
                if (length < 8) throw NotSafetensors(fs, name, $"file is {length} bytes, shorter than the 8-byte header length");
                Span<byte> lenBytes = stackalloc byte[8];
                fs.ReadExactly(lenBytes);
                ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
                if (headerLen < 2 || headerLen > SafetensorsHeader.MaxHeaderBytes || headerLen > (ulong)(length - 8))
                    throw NotSafetensors(fs, name, $"header length {headerLen} is impossible for a file of {length} bytes");
                var header = new byte[headerLen];
                fs.ReadExactly(header);
                dataStart = 8 + (long)headerLen;
                (entries, metadata) = SafetensorsHeader.Parse(name, header, length - dataStart);
            }
        }
        catch (EndOfStreamException e)
        {
            throw new CheckpointFormatException(name, null, "file ends inside the header", e);
        }
        if (length == dataStart) return new SafetensorsFile(path, entries, metadata, null, null, dataStart);
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        return new SafetensorsFile(path, entries, metadata, map, view, dataStart);
    }

    /// <summary>The error for a file that cannot be safetensors: what its first bytes say it is, else <paramref name="problem"/>.</summary>
    private static CheckpointFormatException NotSafetensors(FileStream fs, string name, string problem) =>
        FileSignature.Describe(FileSignature.ReadHead(fs), name) is { } kind
            ? new CheckpointFormatException(name, null, $"{kind}, not a safetensors or torch.save zip file")
            : new CheckpointFormatException(name, null, $"{problem} (not a safetensors file)");

    public bool Contains(string name) => _byName.ContainsKey(name);

    public TensorEntry Entry(string name) =>
        _byName.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"{System.IO.Path.GetFileName(Path)}: no tensor named '{name}'");

    /// <summary>The raw little-endian bytes of one tensor, straight from the map.</summary>
    public ReadOnlySpan<byte> Bytes(string name)
    {
        var e = Entry(name);
        if (e.End == e.Begin) return ReadOnlySpan<byte>.Empty;
        return new ReadOnlySpan<byte>(_base + _dataStart + e.Begin, checked((int)(e.End - e.Begin)));
    }

    /// <summary>Copies a tensor out: float types become float32, integer and bool types int64.</summary>
    public Tensor Load(string name)
    {
        var e = Entry(name);
        var bytes = Bytes(name);
        if (e.DType.IsFloat())
        {
            var t = Tensor.Empty(e.Shape);
            StorageDTypes.ToFloat(e.DType, bytes, t.AsSpan());
            return t;
        }
        var l = Tensor.Empty(e.Shape, DType.Int64);
        StorageDTypes.ToLong(e.DType, bytes, l.AsLongSpan());
        return l;
    }

    public void Dispose()
    {
        if (_view != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
