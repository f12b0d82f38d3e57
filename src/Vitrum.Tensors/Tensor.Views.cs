using Vitrum.Tensors.Autograd;

namespace Vitrum.Tensors;

/// <summary>Views share storage with their base; each records its backward rule when needed.</summary>
public sealed partial class Tensor
{
    /// <summary>Same data with a new shape (one dim may be -1); copies only when the strides cannot express it.</summary>
    public Tensor Reshape(params int[] shape)
    {
        var target = ShapeUtil.InferReshape("Reshape", _shape, shape);
        var src = IsContiguous ? this : Contiguous();
        var v = src.ViewOf(target, ShapeUtil.ContiguousStrides(target), src._offset);
        var node = Engine.Record(v, "reshape", GradRules.Reshape, src);
        return v;
    }

    public Tensor View(params int[] shape) => Reshape(shape);

    /// <summary>Flattens dims [startDim, endDim] into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeUtil.NormalizeAxis("Flatten", startDim, Rank, _shape);
        int e = ShapeUtil.NormalizeAxis("Flatten", endDim, Rank, _shape);
        if (s > e) throw new ArgumentException($"Flatten: start dim {startDim} after end dim {endDim} for shape {ShapeUtil.Format(_shape)}");
        var ns = new List<int>();
        for (int i = 0; i < s; i++) ns.Add(_shape[i]);
        int p = 1;
        for (int i = s; i <= e; i++) p *= _shape[i];
        ns.Add(p);
        for (int i = e + 1; i < Rank; i++) ns.Add(_shape[i]);
        return Reshape(ns.ToArray());
    }

    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"Permute: {dims.Length} dims given for a tensor of shape {ShapeUtil.Format(_shape)}");
        var seen = new bool[Rank];
        var ns = new int[Rank];
        var nst = new int[Rank];
        var norm = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = ShapeUtil.NormalizeAxis("Permute", dims[i], Rank, _shape);
            if (seen[d]) throw new ArgumentException($"Permute: dim {dims[i]} repeated in [{string.Join(", ", dims)}] for shape {ShapeUtil.Format(_shape)}");
            seen[d] = true;
            norm[i] = d;
            ns[i] = _shape[d];
            nst[i] = _strides[d];
        }
        var v = ViewOf(ns, nst, _offset);
        var node = Engine.Record(v, "permute", GradRules.Permute, this);
        if (node != null) node.Ints = norm;
        return v;
    }

    public Tensor Transpose(int dim0, int dim1)
    {
        int a = ShapeUtil.NormalizeAxis("Transpose", dim0, Rank, _shape);
        int b = ShapeUtil.NormalizeAxis("Transpose", dim1, Rank, _shape);
        var perm = new int[Rank];
        for (int i = 0; i < Rank; i++) perm[i] = i;
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>Transpose of the last two dims (matrix transpose), a view.</summary>
    public Tensor T => Rank < 2
        ? throw new ArgumentException($"T: needs rank >= 2, got shape {ShapeUtil.Format(_shape)}")
        : Transpose(-2, -1);

    /// <summary>Elements [start, start+length) of dimension <paramref name="dim"/>, a view.</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = ShapeUtil.NormalizeAxis("Narrow", dim, Rank, _shape);
        if (start < 0) start += _shape[d];
        if (start < 0 || length < 0 || start + length > _shape[d])
            throw new ArgumentException($"Narrow: range [{start}, {start + length}) outside dim {dim} of shape {ShapeUtil.Format(_shape)}");
        var ns = (int[])_shape.Clone();
        ns[d] = length;
        var v = ViewOf(ns, (int[])_strides.Clone(), _offset + start * _strides[d]);
        var node = Engine.Record(v, "narrow", GradRules.Narrow, this);
        if (node != null) node.Ints = new[] { d, start };
        return v;
    }

    /// <summary>Python-style slice start:end:step along one dim (negative indices count from the end), a view.</summary>
    public Tensor Slice(int dim, int start, int end, int step = 1)
    {
        int d = ShapeUtil.NormalizeAxis("Slice", dim, Rank, _shape);
        if (step <= 0) throw new ArgumentException($"Slice: step must be positive, got {step}");
        int n = _shape[d];
        if (start < 0) start += n;
        if (end < 0) end += n;
        start = Math.Clamp(start, 0, n);
        end = Math.Clamp(end, start, n);
        if (step == 1) return Narrow(d, start, end - start);
        var ns = (int[])_shape.Clone();
        var nst = (int[])_strides.Clone();
        ns[d] = (end - start + step - 1) / step;
        nst[d] = _strides[d] * step;
        var v = ViewOf(ns, nst, _offset + start * _strides[d]);
        var node = Engine.Record(v, "slice", GradRules.Slice, this);
        if (node != null) node.Ints = new[] { d, start, step };
        return v;
    }

    /// <summary>Index <paramref name="index"/> of dimension <paramref name="dim"/>, removing that dim.</summary>
    public Tensor Select(int dim, int index)
    {
        int d = ShapeUtil.NormalizeAxis("Select", dim, Rank, _shape);
        if (index < 0) index += _shape[d];
        return Narrow(d, index, 1).Squeeze(d);
    }

    /// <summary>Broadcasts size-1 dims (and new leading dims) to <paramref name="shape"/> with stride 0; -1 keeps a dim.</summary>
    public Tensor Expand(params int[] shape)
    {
        if (shape.Length < Rank)
            throw new ArgumentException($"Expand: target {ShapeUtil.Format(shape)} has fewer dims than {ShapeUtil.Format(_shape)}");
        int lead = shape.Length - Rank;
        var ns = new int[shape.Length];
        var nst = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < lead)
            {
                if (shape[i] < 0) throw new ArgumentException($"Expand: -1 not allowed for new leading dim in {ShapeUtil.Format(shape)}");
                ns[i] = shape[i];
                continue;
            }
            int src = _shape[i - lead];
            int want = shape[i] == -1 ? src : shape[i];
            if (want != src && src != 1)
                throw new ArgumentException($"Expand: cannot expand {ShapeUtil.Format(_shape)} to {ShapeUtil.Format(shape)} (dim {i}: {src} -> {want})");
            ns[i] = want;
            nst[i] = want == src ? _strides[i - lead] : 0;
        }
        var v = ViewOf(ns, nst, _offset);
        Engine.Record(v, "expand", GradRules.Expand, this);
        return v;
    }

    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeUtil.NormalizeAxis("Unsqueeze", dim, Rank + 1, _shape);
        var ns = new List<int>(_shape);
        var nst = new List<int>(_strides);
        ns.Insert(d, 1);
        nst.Insert(d, d < Rank ? _strides[d] * _shape[d] : 1);
        return SizeOneView("unsqueeze", ns.ToArray(), nst.ToArray());
    }

    /// <summary>Removes dimension <paramref name="dim"/> (if it is 1), or every size-1 dim when null.</summary>
    public Tensor Squeeze(int? dim = null)
    {
        int d = dim is int dd ? ShapeUtil.NormalizeAxis("Squeeze", dd, Rank, _shape) : -1;
        var ns = new List<int>();
        var nst = new List<int>();
        for (int i = 0; i < Rank; i++)
        {
            if (_shape[i] == 1 && (d < 0 || i == d)) continue;
            ns.Add(_shape[i]);
            nst.Add(_strides[i]);
        }
        return SizeOneView("squeeze", ns.ToArray(), nst.ToArray());
    }

    /// <summary>Adds or drops size-1 dims: the other strides are kept, so this never copies.</summary>
    private Tensor SizeOneView(string op, int[] ns, int[] nst)
    {
        var v = ViewOf(ns, nst, _offset);
        Engine.Record(v, op, GradRules.Reshape, this);
        return v;
    }

    /// <summary>This tensor if contiguous, otherwise a contiguous copy.</summary>
    public Tensor Contiguous() => IsContiguous ? this : Clone();

    /// <summary>A contiguous copy (recorded for autograd).</summary>
    public Tensor Clone()
    {
        var t = Empty(_shape, DType);
        if (DType == DType.Float32) Strided.CopyToContiguous(Data, _offset, _shape, _strides, t.Data, t._offset);
        else Strided.CopyToContiguous(LongData, _offset, _shape, _strides, t.LongSpan);
        Engine.Record(t, "clone", GradRules.Identity, this);
        return t;
    }
}
