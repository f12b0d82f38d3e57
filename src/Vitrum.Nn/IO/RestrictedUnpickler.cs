using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Vitrum.Nn.IO;

/// <summary>
/// Reads the pickle inside a PyTorch checkpoint the way torch.load(weights_only=True) does: only plain
/// containers, numbers, strings and tensor storages. A pickle that names any other global is rejected;
/// nothing is ever resolved to code or executed. All sizes are checked against the bytes left, so a
/// hostile file cannot make us allocate more than it holds.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private static readonly HashSet<string> AllowedGlobals = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage", "torch.BFloat16Storage",
        "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
        "torch.ByteStorage", "torch.BoolStorage",
    };

    private static readonly object Mark = new();
    private readonly string _file;
    private readonly byte[] _data;
    private int _pos;
    private readonly List<object?> _stack = new();
    private readonly Dictionary<long, object?> _memo = new();

    private RestrictedUnpickler(string file, byte[] data)
    {
        _file = file;
        _data = data;
    }

    public static object? Load(string file, byte[] data) => new RestrictedUnpickler(file, data).Run();

    private CheckpointFormatException Bad(string problem) => new(_file, null, $"data.pkl at byte {_pos}: {problem}");

    private object? Run()
    {
        while (true)
        {
            byte op = U8();
            switch (op)
            {
                case 0x80: U8(); break; // PROTO
                case 0x95: Take(8); break; // FRAME: a length hint only
                case (byte)'.': // STOP
                    if (_stack.Count != 1) throw Bad($"STOP with {_stack.Count} values on the stack");
                    return _stack[0] == Mark ? throw Bad("STOP on a mark") : _stack[0];
                case (byte)'(': Push(Mark); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopToMark(); break;
                case (byte)'2': Push(Peek()); break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': Push((long)U8()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8a: Push(Long(U8())); break;
                case 0x8b: Push(Long(Length(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case (byte)'X': Push(Utf8(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break;
                case 0x8c: Push(Utf8(U8())); break;
                case 0x8d: Push(Utf8(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8))))); break;
                case (byte)'T': Push(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break;
                case (byte)'U': Push(Take(U8()).ToArray()); break;
                case (byte)'B': Push(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break;
                case (byte)'C': Push(Take(U8()).ToArray()); break;
                case (byte)')': Push(new PickleTuple(Array.Empty<object?>())); break;
                case (byte)'t': Push(new PickleTuple(PopToMark().ToArray())); break;
                case 0x85: Push(new PickleTuple(new[] { Pop() })); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PickleTuple(new[] { a, b })); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PickleTuple(new[] { a, b, c })); break; }
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'l': Push(PopToMark()); break;
                case (byte)'a': { var v = Pop(); AsList(Peek()).Add(v); break; }
                case (byte)'e': { var items = PopToMark(); AsList(Peek()).AddRange(items); break; }
                case (byte)'}': Push(new PickleDict()); break;
                case (byte)'d': { var d = new PickleDict(); SetItems(d, PopToMark()); Push(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek()).Set(k, v); break; }
                case (byte)'u': { var items = PopToMark(); SetItems(AsDict(Peek()), items); break; }
                case (byte)'c': Push(Global(Line(), Line())); break;
                case 0x93: { var name = Pop() as string; var module = Pop() as string; Push(Global(module ?? throw Bad("STACK_GLOBAL module is not a string"), name ?? throw Bad("STACK_GLOBAL name is not a string"))); break; }
                case (byte)'q': _memo[U8()] = Peek(); break;
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break;
                case 0x94: _memo[_memo.Count] = Peek(); break;
                case (byte)'h': Push(Memo(U8())); break;
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                case (byte)'R': { var args = Pop(); var f = Pop(); Push(Reduce(f, args)); break; }
                case 0x81: { var args = Pop(); var cls = Pop(); Push(Reduce(cls, args)); break; }
                case (byte)'b': { Pop(); if (Peek() is not (PickleDict or PickleTensor)) throw Bad("BUILD on an object that is not a dict or tensor"); break; }
                case (byte)'Q': Push(PersistentLoad(Pop())); break;
                default: throw Bad($"opcode 0x{op:x2} is not allowed in a weights-only checkpoint");
            }
        }
    }

    private byte U8() => _pos < _data.Length ? _data[_pos++] : throw Bad("pickle ends early");

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _data.Length - _pos) throw Bad($"needs {n} bytes but {_data.Length - _pos} remain");
        var s = _data.AsSpan(_pos, n);
        _pos += n;
        return s;
    }

    private int Length(long n) => n < 0 || n > _data.Length - _pos ? throw Bad($"length {n} exceeds the {_data.Length - _pos} bytes left") : (int)n;
    private int Length(ulong n) => n > (ulong)(_data.Length - _pos) ? throw Bad($"length {n} exceeds the {_data.Length - _pos} bytes left") : (int)n;

    private string Utf8(int n)
    {
        try { return new UTF8Encoding(false, true).GetString(Take(n)); }
        catch (DecoderFallbackException) { throw Bad("string is not valid UTF-8"); }
    }

    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0 || end - _pos > 256) throw Bad("GLOBAL name is not a short newline-terminated line");
        var s = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private object Long(int n)
    {
        if (n > 8) throw Bad($"integer of {n} bytes is too large");
        var v = new BigInteger(Take(n), isUnsigned: false, isBigEndian: false);
        return (long)v;
    }

    private void Push(object? v)
    {
        if (_stack.Count >= 1_000_000) throw Bad("stack too deep");
        _stack.Add(v);
    }

    private object? Pop()
    {
        if (_stack.Count == 0) throw Bad("pop from an empty stack");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        if (v == Mark) throw Bad("unexpected mark");
        return v;
    }

    private object? Peek() => _stack.Count == 0 || _stack[^1] == Mark ? throw Bad("no value on the stack") : _stack[^1];

    private List<object?> PopToMark()
    {
        int m = _stack.LastIndexOf(Mark);
        if (m < 0) throw Bad("no mark on the stack");
        var items = _stack.GetRange(m + 1, _stack.Count - m - 1);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Bad($"memo key {key} was never stored");

    private List<object?> AsList(object? o) => o as List<object?> ?? throw Bad("append to something that is not a list");
    private PickleDict AsDict(object? o) => o as PickleDict ?? throw Bad("setitem on something that is not a dict");

    private void SetItems(PickleDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Bad("odd number of items for a dict");
        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
    }

    private PickleGlobal Global(string module, string name)
    {
        var g = new PickleGlobal(module, name);
        if (!AllowedGlobals.Contains(g.FullName))
            throw Bad($"global '{g.FullName}' is not allowed (weights-only loading accepts tensors and plain containers)");
        return g;
    }

    private object? Reduce(object? f, object? args)
    {
        if (f is not PickleGlobal g) throw Bad("REDUCE of something that is not an allowed global");
        var a = (args as PickleTuple)?.Items ?? throw Bad($"arguments of {g.FullName} are not a tuple");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
                if (a.Length != 0) throw Bad("OrderedDict with arguments");
                return new PickleDict();
            case "torch._utils._rebuild_tensor_v2":
                if (a.Length < 4 || a[0] is not PickleStorage st || a[1] is not long off || a[2] is not PickleTuple size || a[3] is not PickleTuple stride)
                    throw Bad("_rebuild_tensor_v2 needs (storage, offset, size, stride, ...)");
                return RebuildTensor(st, off, Longs(size), Longs(stride));
            case "torch._utils._rebuild_parameter":
                if (a.Length < 1 || a[0] is not PickleTensor t) throw Bad("_rebuild_parameter needs a tensor");
                return t;
            default:
                throw Bad($"{g.FullName} cannot be called");
        }
    }

    private long[] Longs(PickleTuple t)
    {
        if (t.Items.Length > 64) throw Bad("tensor rank above 64");
        return t.Items.Select(v => v is long l ? l : throw Bad("tensor size or stride is not an integer")).ToArray();
    }

    private PickleTensor RebuildTensor(PickleStorage st, long offset, long[] size, long[] stride)
    {
        if (size.Length != stride.Length) throw Bad($"size has {size.Length} dims but stride {stride.Length}");
        if (offset < 0 || size.Any(s => s < 0 || s > int.MaxValue) || stride.Any(s => s < 0)) throw Bad("negative or huge tensor geometry");
        long numel = 1, maxIndex = offset;
        foreach (var s in size) numel = s == 0 ? 0 : checked(numel * s);
        if (numel > int.MaxValue) throw Bad("tensor has more than 2^31 elements");
        if (numel > 0)
            for (int i = 0; i < size.Length; i++) maxIndex += (size[i] - 1) * stride[i];
        if (numel > 0 && maxIndex >= st.Numel) throw Bad($"tensor reaches element {maxIndex} of a storage of {st.Numel}");
        return new PickleTensor(st, offset, size, stride);
    }

    private PickleStorage PersistentLoad(object? pid)
    {
        if (pid is not PickleTuple { Items: [string kind, PickleGlobal type, var key, string, long numel] } || kind != "storage")
            throw Bad("persistent id is not ('storage', type, key, location, numel)");
        if (numel < 0) throw Bad("negative storage size");
        var dt = type.Name switch
        {
            "FloatStorage" => StorageDType.F32,
            "DoubleStorage" => StorageDType.F64,
            "HalfStorage" => StorageDType.F16,
            "BFloat16Storage" => StorageDType.BF16,
            "LongStorage" => StorageDType.I64,
            "IntStorage" => StorageDType.I32,
            "ShortStorage" => StorageDType.I16,
            "CharStorage" => StorageDType.I8,
            "ByteStorage" => StorageDType.U8,
            "BoolStorage" => StorageDType.Bool,
            _ => throw Bad($"unknown storage type {type.FullName}"),
        };
        var k = key switch { string s => s, long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => throw Bad("storage key is not a string") };
        if (k.Length == 0 || k.Any(ch => !char.IsAsciiLetterOrDigit(ch) && ch != '_')) throw Bad($"storage key '{k}' is not a plain name");
        return new PickleStorage(dt, k, numel);
    }
}
