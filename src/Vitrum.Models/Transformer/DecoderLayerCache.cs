// Incremental decoding for the Transformer (Vaswani et al., 2017): the decoder's keys and values kept across steps,
// as fairseq's incremental_state and Hugging Face's past_key_values do.
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Transformer;

/// <summary>One decoder layer's part of a <see cref="DecoderCache"/>.</summary>
internal sealed class DecoderLayerCache : IDisposable
{
    private Tensor _selfK, _selfV, _spareK, _spareV;
    public Tensor CrossK { get; }
    public Tensor CrossV { get; }

    /// <param name="crossK">[B, H, S, d], owned from now on</param>
    /// <param name="crossV">[B, H, S, d], owned from now on</param>
    public DecoderLayerCache(int batch, int heads, int capacity, int headDim, Tensor crossK, Tensor crossV)
    {
        using var _ = TensorScope.Suppress();
        int[] shape = [batch, heads, capacity, headDim];
        (_selfK, _selfV, _spareK, _spareV) = (Tensor.Empty(shape), Tensor.Empty(shape), Tensor.Empty(shape), Tensor.Empty(shape));
        (CrossK, CrossV) = (crossK, crossV);
    }

    /// <summary>Writes position <paramref name="position"/>'s key and value [B, H, 1, d]; returns views of positions 0..position.</summary>
    public Tensor Append(Tensor key, Tensor value, int position, out Tensor values)
    {
        Ops.CopyInto(_selfK.Narrow(2, position, 1), key);
        Ops.CopyInto(_selfV.Narrow(2, position, 1), value);
        values = _selfV.Narrow(2, 0, position + 1);
        return _selfK.Narrow(2, 0, position + 1);
    }

    public void Reorder(ReadOnlySpan<int> rows, int length)
    {
        Gather(_selfK, _spareK, rows, length);
        Gather(_selfV, _spareV, rows, length);
        (_selfK, _spareK) = (_spareK, _selfK);
        (_selfV, _spareV) = (_spareV, _selfV);
    }

    /// <summary>dst[b, h, :length] = src[rows[b], h, :length]; the rest of the buffer is never read.</summary>
    private static void Gather(Tensor src, Tensor dst, ReadOnlySpan<int> rows, int length)
    {
        int heads = src.Shape[1], cap = src.Shape[2], d = src.Shape[3];
        var s = src.AsSpan();
        var t = dst.AsSpan();
        int n = length * d, rowSize = heads * cap * d;
        for (int b = 0; b < rows.Length; b++)
            for (int h = 0; h < heads; h++)
                s.Slice(rows[b] * rowSize + h * cap * d, n).CopyTo(t.Slice(b * rowSize + h * cap * d, n));
    }

    public void Dispose()
    {
        _selfK.Dispose(); _selfV.Dispose(); _spareK.Dispose(); _spareV.Dispose();
        CrossK.Dispose(); CrossV.Dispose();
    }
}
