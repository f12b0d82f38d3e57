using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Tensors;

/// <summary>
/// An n-dimensional array of float32 or int64 with PyTorch semantics: a shape, element strides and
/// an offset into a shared, reference-counted storage (so views never copy), plus the autograd
/// state (<see cref="RequiresGrad"/>, <see cref="Grad"/>, the node that produced it).
/// Ops live in <see cref="Ops"/>; the instance methods here are views and conveniences.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private Storage? _storage;
    private readonly int[] _shape;
    private readonly int[] _strides;
    private readonly int _offset;
    private bool _requiresGrad;

    public DType DType { get; }

    /// <summary>The sizes of each dimension. Shared with the tensor: do not mutate.</summary>
    public int[] Shape => _shape;

    /// <summary>Element strides of each dimension. Shared with the tensor: do not mutate.</summary>
    public int[] Strides => _strides;

    public int Offset => _offset;
    public int Rank => _shape.Length;
    public int Numel { get; }

    /// <summary>Accumulated gradient of a leaf after <see cref="Backward"/>.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The autograd node that produced this tensor, or null for a leaf.</summary>
    internal Node? GradFn { get; set; }

    /// <summary>Gradient being accumulated for this tensor during one backward pass.</summary>
    internal Tensor? PendingGrad { get; set; }

    public bool IsLeaf => GradFn == null;

    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (value && DType != DType.Float32)
                throw new ArgumentException($"RequiresGrad: only float32 tensors can require gradients, got {DType} of shape {ShapeUtil.Format(_shape)}");
            if (!IsLeaf && !value)
                throw new InvalidOperationException("RequiresGrad: cannot clear RequiresGrad on a non-leaf tensor; use Detach()");
            _requiresGrad = value;
        }
    }

    internal Tensor(Storage storage, DType dtype, int[] shape, int[] strides, int offset)
    {
        storage.AddRef();
        _storage = storage;
        DType = dtype;
        _shape = shape;
        _strides = strides;
        _offset = offset;
        Numel = checked((int)ShapeUtil.Numel(shape));
        TensorScope.Current?.Register(this);
    }

    internal Storage Storage => _storage ?? throw new ObjectDisposedException("Tensor", $"tensor of shape {ShapeUtil.Format(_shape)} was disposed");

    /// <summary>True when no other tensor object (view or alias) refers to this tensor's buffer.</summary>
    internal bool HoldsStorageAlone => Storage.IsExclusive;

    /// <summary>A second tensor object on the same elements, not recorded (one more reference on the storage).</summary>
    internal Tensor Alias() => ViewOf(_shape, _strides, _offset);

    /// <summary>
    /// True when the elements occupy Numel distinct consecutive slots in some dim order (contiguous, or a
    /// permutation of a contiguous tensor): no element is reached twice, none of the range is skipped.
    /// </summary>
    internal bool HasDenseLayout
    {
        get
        {
            if (IsContiguous) return true;
            var dims = new List<int>();
            for (int d = 0; d < Rank; d++) if (_shape[d] != 1) dims.Add(d);
            dims.Sort((a, b) => _strides[a].CompareTo(_strides[b]));
            long expect = 1;
            foreach (int d in dims)
            {
                if (_strides[d] != expect) return false;
                expect *= _shape[d];
            }
            return true;
        }
    }

    /// <summary>A new uninitialized tensor with <paramref name="t"/>'s strides when its layout is dense (so views stacked on t fit it too), else contiguous.</summary>
    internal static Tensor EmptyWithLayoutOf(Tensor t)
    {
        if (t.IsContiguous || !t.HasDenseLayout) return Empty(t.Shape, t.DType);
        var st = t.DType == DType.Float32 ? Storage.NewFloat(t.Numel) : Storage.NewLong(t.Numel);
        return new Tensor(st, t.DType, t._shape, t._strides, 0);
    }

    internal bool SharesStorageWith(Tensor other) => ReferenceEquals(Storage, other.Storage);

    /// <summary>The float buffer (with <see cref="Offset"/>); for kernels.</summary>
    internal float[] Data => Storage.F ?? throw new InvalidOperationException($"expected a float32 tensor, got {DType} of shape {ShapeUtil.Format(_shape)}");

    internal long[] LongData => Storage.L ?? throw new InvalidOperationException($"expected an int64 tensor, got {DType} of shape {ShapeUtil.Format(_shape)}");

    /// <summary>The elements of a contiguous float tensor.</summary>
    internal Span<float> Span
    {
        get
        {
            if (!IsContiguous) throw new InvalidOperationException($"Span: tensor of shape {ShapeUtil.Format(_shape)} is not contiguous");
            return Data.AsSpan(_offset, Numel);
        }
    }

    internal Span<long> LongSpan
    {
        get
        {
            if (!IsContiguous) throw new InvalidOperationException($"LongSpan: tensor of shape {ShapeUtil.Format(_shape)} is not contiguous");
            return LongData.AsSpan(_offset, Numel);
        }
    }

    /// <summary>Pointer to the first element; valid because pooled arrays are pinned.</summary>
    internal unsafe float* Ptr => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Data)) + _offset;

    public bool IsContiguous
    {
        get
        {
            // As in PyTorch, a tensor without elements is contiguous whatever its strides.
            if (Numel == 0) return true;
            int acc = 1;
            for (int i = _shape.Length - 1; i >= 0; i--)
            {
                if (_shape[i] != 1 && _strides[i] != acc) return false;
                acc *= _shape[i];
            }
            return true;
        }
    }

    public int Size(int dim) => _shape[ShapeUtil.NormalizeAxis("Size", dim, Rank, _shape)];

    // ---- factories ----

    /// <summary>A new uninitialized tensor (contents undefined).</summary>
    public static Tensor Empty(int[] shape, DType dtype = DType.Float32)
    {
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"Empty: negative dimension in shape {ShapeUtil.Format(shape)}");
        long n = ShapeUtil.Numel(shape);
        if (n > int.MaxValue) throw new ArgumentException($"Empty: shape {ShapeUtil.Format(shape)} has more than 2^31 elements");
        var st = dtype == DType.Float32 ? Storage.NewFloat((int)n) : Storage.NewLong((int)n);
        return new Tensor(st, dtype, (int[])shape.Clone(), ShapeUtil.ContiguousStrides(shape), 0);
    }

    public static Tensor Zeros(params int[] shape) => Full(shape, 0f);
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    public static Tensor Full(int[] shape, float value)
    {
        var t = Empty(shape);
        t.Span.Fill(value);
        return t;
    }

    public static Tensor ZerosLike(Tensor t) => t.DType == DType.Float32 ? Zeros(t.Shape) : LongZeros(t.Shape);

    public static Tensor LongZeros(params int[] shape)
    {
        var t = Empty(shape, DType.Int64);
        t.LongSpan.Clear();
        return t;
    }

    /// <summary>Copies <paramref name="data"/> into a new tensor of the given shape.</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        if (shape.Length == 0 && data.Length != 1) shape = new[] { data.Length };
        if (ShapeUtil.Numel(shape) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {ShapeUtil.Format(shape)}");
        var t = Empty(shape);
        data.CopyTo(t.Span);
        return t;
    }

    public static Tensor FromLongs(long[] data, params int[] shape)
    {
        if (shape.Length == 0 && data.Length != 1) shape = new[] { data.Length };
        if (ShapeUtil.Numel(shape) != data.Length)
            throw new ArgumentException($"FromLongs: {data.Length} values do not fill shape {ShapeUtil.Format(shape)}");
        var t = Empty(shape, DType.Int64);
        data.CopyTo(t.LongSpan);
        return t;
    }

    public static Tensor Scalar(float value) => FromArray(new[] { value });

    public static Tensor Arange(int n)
    {
        var t = Empty(new[] { n });
        var s = t.Span;
        for (int i = 0; i < n; i++) s[i] = i;
        return t;
    }

    /// <summary>Uniform [0, 1) samples from <paramref name="gen"/>.</summary>
    public static Tensor Rand(Generator gen, params int[] shape)
    {
        var t = Empty(shape);
        gen.FillUniform(t.Span);
        return t;
    }

    /// <summary>Standard normal samples from <paramref name="gen"/>.</summary>
    public static Tensor Randn(Generator gen, params int[] shape)
    {
        var t = Empty(shape);
        gen.FillNormal(t.Span);
        return t;
    }

    // ---- element access ----

    public float Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item: tensor of shape {ShapeUtil.Format(_shape)} has {Numel} elements, expected 1");
        return DType == DType.Float32 ? Data[_offset] : LongData[_offset];
    }

    /// <summary>The element at <paramref name="index"/> (negative indices count from the end).</summary>
    public float At(params int[] index)
    {
        int off = ElementOffset("At", index);
        return DType == DType.Float32 ? Data[off] : LongData[off];
    }

    public long GetLong(params int[] index) => LongData[ElementOffset("GetLong", index)];

    private int ElementOffset(string op, int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"{op}: {index.Length} indices for a tensor of shape {ShapeUtil.Format(_shape)}");
        int off = _offset;
        for (int i = 0; i < index.Length; i++)
        {
            int ix = index[i] < 0 ? index[i] + _shape[i] : index[i];
            if (ix < 0 || ix >= _shape[i]) throw new ArgumentException($"{op}: index {index[i]} out of range for dim {i} of shape {ShapeUtil.Format(_shape)}");
            off += ix * _strides[i];
        }
        return off;
    }

    /// <summary>The elements in row-major order (a copy).</summary>
    public float[] ToArray()
    {
        if (DType != DType.Float32) return Array.ConvertAll(ToLongArray(), v => (float)v);
        var res = new float[Numel];
        Strided.CopyToContiguous(Data, _offset, _shape, _strides, res);
        return res;
    }

    public long[] ToLongArray()
    {
        if (DType != DType.Int64) throw new InvalidOperationException($"ToLongArray: tensor is {DType}, expected Int64");
        var res = new long[Numel];
        Strided.CopyToContiguous(LongData, _offset, _shape, _strides, res);
        return res;
    }

    // ---- views (no copies) ----

    internal Tensor ViewOf(int[] shape, int[] strides, int offset) => new(Storage, DType, shape, strides, offset);

    // ---- lifetime ----

    /// <summary>Keeps this tensor alive past the current <see cref="TensorScope"/> (hands it to the outer one).</summary>
    public Tensor MoveToOuterScope()
    {
        var cur = TensorScope.Current;
        if (cur != null && cur.Remove(this)) cur.Outer?.Register(this);
        return this;
    }

    public bool IsDisposed => _storage == null;

    /// <summary>
    /// Disposes this tensor when gradients are off: an inference forward releasing an activation it made and no longer
    /// needs, so the next layer reuses its buffer while it is still in cache and peak memory stays at a few layers'
    /// activations. With gradients on, the tape may hold it for the backward pass, and it stays.
    /// </summary>
    public void DisposeIfNoGrad()
    {
        if (!Autograd.GradMode.IsEnabled) Dispose();
    }

    public void Dispose()
    {
        var s = _storage;
        if (s == null) return;
        _storage = null;
        GradFn = null;
        s.Release();
    }

    public override string ToString() => $"Tensor({DType}, {ShapeUtil.Format(_shape)}{(RequiresGrad ? ", requires_grad" : "")})";
}
