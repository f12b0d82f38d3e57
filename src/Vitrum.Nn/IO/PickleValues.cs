namespace Vitrum.Nn.IO;

/// <summary>A global the restricted unpickler allowed, as a value (never resolved to code).</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>A tuple on the pickle stack (lists are <see cref="List{T}"/>).</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>A dict with keys in insertion order (OrderedDict and plain dicts alike).</summary>
internal sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Items { get; } = new();

    public void Set(object? key, object? value)
    {
        for (int i = 0; i < Items.Count; i++)
            if (Equals(Items[i].Key, key)) { Items[i] = new(key, value); return; }
        Items.Add(new(key, value));
    }
}

/// <summary>A storage named by a persistent id: its bytes are the archive entry data/KEY.</summary>
internal sealed record PickleStorage(StorageDType DType, string Key, long Numel);

/// <summary>A tensor view of a storage as torch._utils._rebuild_tensor_v2 describes it.</summary>
internal sealed record PickleTensor(PickleStorage Storage, long Offset, long[] Size, long[] Stride);
