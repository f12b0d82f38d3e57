using System.IO.Compression;
using Vitrum.Tensors;

namespace Vitrum.Nn.IO;

/// <summary>
/// A PyTorch checkpoint written by torch.save (a zip holding data.pkl and one data/KEY entry per
/// storage), read with <see cref="RestrictedUnpickler"/>. Tensors are found wherever they sit in nested
/// dicts and lists and named by their path joined with '.', so a bare state dict gives its own keys and
/// {"model": state_dict} gives "model.KEY".
/// </summary>
public static class PthFile
{
    /// <summary>Every tensor's name, stored dtype and shape, without reading storage bytes.</summary>
    public static List<TensorEntry> List(string path) =>
        Read(path, (found, _) => found.Select(f => new TensorEntry(f.Name, f.Tensor.Storage.DType,
            f.Tensor.Size.Select(d => (int)d).ToArray(), 0, 0)).ToList());

    /// <summary>Every tensor in the checkpoint, float types as float32 and integer/bool types as int64.</summary>
    public static Dictionary<string, Tensor> Load(string path) => Read(path, (found, storage) =>
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, pt) in found)
        {
            var bytes = storage(key, pt.Storage);
            if (!result.TryAdd(key, Materialize(pt, bytes)))
                throw new CheckpointFormatException(Path.GetFileName(path), key, "two tensors map to the same name");
        }
        return result;
    });

    private static T Read<T>(string path, Func<List<(string Name, PickleTensor Tensor)>, Func<string, PickleStorage, byte[]>, T> use)
    {
        var name = Path.GetFileName(path);
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long fileLength = fs.Length;
            using var zip = new ZipArchive(fs, ZipArchiveMode.Read);
            var pklEntry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') <= 1)
                ?? throw new CheckpointFormatException(name, null, $"a zip archive without data.pkl, not a torch.save checkpoint ({DescribeZip(zip)})");
            var prefix = pklEntry.FullName[..^"data.pkl".Length];
            var root = RestrictedUnpickler.Load(name, ReadEntry(name, pklEntry, fileLength));
            var found = new List<(string, PickleTensor)>();
            Collect(root, "", found, new HashSet<object>(ReferenceEqualityComparer.Instance));
            var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            byte[] Storage(string key, PickleStorage st)
            {
                if (!storages.TryGetValue(st.Key, out var bytes))
                {
                    var entry = zip.GetEntry(prefix + "data/" + st.Key)
                        ?? throw new CheckpointFormatException(name, key, $"storage data/{st.Key} is missing from the archive");
                    bytes = ReadEntry(name, entry, fileLength);
                    storages[st.Key] = bytes;
                }
                if (bytes.Length < st.Numel * st.DType.Size())
                    throw new CheckpointFormatException(name, key, $"storage data/{st.Key} holds {bytes.Length} bytes, needs {st.Numel * st.DType.Size()}");
                return bytes;
            }
            return use(found, Storage);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(name, null, $"not a valid zip archive ({e.Message})", e);
        }
    }

    /// <summary>What a zip archive that is not a checkpoint holds: a Keras 3 model, a NumPy .npz, else its first entries.</summary>
    private static string DescribeZip(ZipArchive zip)
    {
        var names = zip.Entries.Select(e => e.FullName).ToList();
        if (names.Contains("model.weights.h5") && names.Contains("config.json")) return "a Keras .keras model, which is not read";
        if (names.Count > 0 && names.All(n => n.EndsWith(".npy", StringComparison.Ordinal))) return $"a NumPy .npz archive of {names.Count} arrays";
        if (names.Count == 0) return "it is empty";
        return $"it holds {string.Join(", ", names.Take(3))}{(names.Count > 3 ? $" and {names.Count - 3} more entries" : "")}";
    }

    private static byte[] ReadEntry(string file, ZipArchiveEntry entry, long fileLength)
    {
        if (entry.Length > fileLength || entry.Length > int.MaxValue)
            throw new CheckpointFormatException(file, null, $"archive entry {entry.FullName} claims {entry.Length} bytes, more than the file's {fileLength}");
        var buf = new byte[entry.Length];
        using var s = entry.Open();
        try { s.ReadExactly(buf); }
        catch (EndOfStreamException e) { throw new CheckpointFormatException(file, null, $"archive entry {entry.FullName} is truncated", e); }
        return buf;
    }

    private static void Collect(object? node, string path, List<(string, PickleTensor)> found, HashSet<object> visiting)
    {
        switch (node)
        {
            case PickleTensor t:
                found.Add((path, t));
                return;
            case PickleDict d:
                if (!visiting.Add(d)) return;
                foreach (var (k, v) in d.Items)
                    if (k is string or long) Collect(v, Join(path, Convert.ToString(k, System.Globalization.CultureInfo.InvariantCulture)!), found, visiting);
                visiting.Remove(d);
                return;
            case List<object?> l:
                if (!visiting.Add(l)) return;
                for (int i = 0; i < l.Count; i++) Collect(l[i], Join(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), found, visiting);
                visiting.Remove(l);
                return;
            case PickleTuple tu:
                for (int i = 0; i < tu.Items.Length; i++) Collect(tu.Items[i], Join(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), found, visiting);
                return;
        }
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : a + "." + b;

    private static bool IsContiguous(int[] shape, long[] stride)
    {
        long acc = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && stride[d] != acc) return false;
            acc *= shape[d];
        }
        return true;
    }

    private static Tensor Materialize(PickleTensor pt, byte[] bytes)
    {
        var shape = pt.Size.Select(s => (int)s).ToArray();
        var dt = pt.Storage.DType;
        int es = dt.Size();
        var t = Tensor.Empty(shape, dt.IsFloat() ? DType.Float32 : DType.Int64);
        int n = t.Numel, rank = shape.Length;
        if (IsContiguous(shape, pt.Stride))
        {
            var all = bytes.AsSpan((int)(pt.Offset * es), n * es);
            if (dt.IsFloat()) StorageDTypes.ToFloat(dt, all, t.AsSpan());
            else StorageDTypes.ToLong(dt, all, t.AsLongSpan());
            return t;
        }
        var idx = new int[rank];
        for (int e = 0; e < n; e++)
        {
            long src = pt.Offset;
            for (int d = 0; d < rank; d++) src += idx[d] * pt.Stride[d];
            var elem = bytes.AsSpan((int)(src * es), es);
            if (dt.IsFloat()) StorageDTypes.ToFloat(dt, elem, t.AsSpan().Slice(e, 1));
            else StorageDTypes.ToLong(dt, elem, t.AsLongSpan().Slice(e, 1));
            for (int d = rank - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
        }
        return t;
    }
}
