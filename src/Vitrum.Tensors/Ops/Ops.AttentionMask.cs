namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// A boolean attention mask (Int64 nonzero, or Float32 1 = take part) as an additive term of the
    /// scores with the mask's own shape: 0 where a key takes part, -inf where it is masked. Needs no
    /// gradient. A Float32 mask holding anything but 0 and 1 is refused: it is most likely an additive
    /// mask in PyTorch's float attn_mask convention, which belongs in the bias argument.
    /// </summary>
    internal static Tensor AttentionMaskToAdditive(string op, Tensor mask)
    {
        var src = mask.Contiguous();
        var additive = Tensor.Empty(mask.Shape);
        var dst = additive.Span;
        if (mask.DType == DType.Int64)
        {
            var m = src.LongSpan;
            for (int i = 0; i < dst.Length; i++) dst[i] = m[i] != 0 ? 0f : float.NegativeInfinity;
            return additive;
        }
        var f = src.Span;
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = f[i] switch
            {
                1f => 0f,
                0f => float.NegativeInfinity,
                _ => throw new ArgumentException(
                    $"{op}: a Float32 mask must hold only 0 (masked) and 1 (take part), found {f[i]} in mask of shape {ShapeUtil.Format(mask.Shape)}; pass additive masks as bias"),
            };
        }
        return additive;
    }

    /// <summary>
    /// The mask and the causal constraint combined into one additive 0/-inf term for the composed
    /// path. Softmax over a row of -inf alone is NaN, so such rows are set to 0 here and
    /// <paramref name="keepRows"/> (the term's shape with one column: 1, or 0 for a fully-masked row)
    /// zeroes their probabilities afterwards; it is null when no row is fully masked.
    /// </summary>
    internal static Tensor AttentionMaskForUnfused(string op, Tensor? mask, bool causal, int nq, int nk, out Tensor? keepRows)
    {
        var additive = mask == null ? null : AttentionMaskToAdditive(op, mask);
        if (causal)
        {
            var tri = Tensor.Empty(new[] { nq, nk });
            var t = tri.Span;
            for (int i = 0; i < nq; i++)
                for (int j = 0; j < nk; j++) t[i * nk + j] = j <= i ? 0f : float.NegativeInfinity;
            additive = additive == null ? tri : Add(additive, tri);
        }
        var combined = additive!;
        keepRows = null;
        int cols = combined.Rank == 0 ? 1 : combined.Shape[^1];
        if (cols == 0) return combined;
        var a = combined.Span;
        int rows = a.Length / cols;
        float[]? keep = null;
        for (int r = 0; r < rows; r++)
        {
            var row = a.Slice(r * cols, cols);
            if (row.ContainsAnyExcept(float.NegativeInfinity)) continue;
            row.Clear();
            keep ??= Enumerable.Repeat(1f, rows).ToArray();
            keep[r] = 0f;
        }
        if (keep != null)
        {
            var keepShape = combined.Rank == 0 ? new[] { 1 } : (int[])combined.Shape.Clone();
            keepShape[^1] = 1;
            keepRows = Tensor.FromArray(keep, keepShape);
        }
        return combined;
    }
}
