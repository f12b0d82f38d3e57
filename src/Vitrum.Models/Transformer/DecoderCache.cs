// Incremental decoding for the Transformer (Vaswani et al., 2017): the decoder's keys and values kept across steps,
// as fairseq's incremental_state and Hugging Face's past_key_values do.
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Transformer;

/// <summary>
/// The decoder's keys and values during incremental decoding: per layer, the self-attention keys and values
/// of every position decoded so far (written in place into buffers sized for the longest output), and the
/// cross-attention keys and values of the encoder's output, projected once. Owns its buffers: dispose it.
/// Made by <see cref="TransformerModel.CreateCache"/>.
/// </summary>
public sealed class DecoderCache : IDisposable
{
    internal DecoderLayerCache[] Layers { get; }
    /// <summary>[B, 1, 1, S] int64, 1 = a memory position that takes part; null when the source has no padding.</summary>
    internal Tensor? MemoryAllow { get; }

    /// <summary>Decoded positions so far (the next step's position).</summary>
    public int Length { get; internal set; }

    /// <summary>The most positions this cache can hold.</summary>
    public int Capacity { get; }

    /// <summary>Rows (sequences) decoded in parallel.</summary>
    public int Batch { get; }

    internal DecoderCache(DecoderLayerCache[] layers, Tensor? memoryAllow, int batch, int capacity)
    {
        (Layers, MemoryAllow, Batch, Capacity) = (layers, memoryAllow, batch, capacity);
    }

    /// <summary>
    /// Makes row b continue the history of row <paramref name="rows"/>[b] (beam search keeping its best
    /// hypotheses). Only the self-attention part moves: rows are chosen among the beams of one source, whose
    /// memory keys and values are the same.
    /// </summary>
    public void Reorder(ReadOnlySpan<int> rows)
    {
        if (rows.Length != Batch) throw new ArgumentException($"DecoderCache.Reorder: {rows.Length} row indices for a cache of {Batch} rows");
        foreach (var r in rows)
            if ((uint)r >= (uint)Batch) throw new ArgumentException($"DecoderCache.Reorder: row {r} outside [0, {Batch})");
        foreach (var layer in Layers) layer.Reorder(rows, Length);
    }

    public void Dispose()
    {
        foreach (var l in Layers) l.Dispose();
        MemoryAllow?.Dispose();
    }
}
