// Attention Is All You Need (Vaswani et al., 2017), section 3.1; keys and arithmetic of torch.nn.TransformerDecoderLayer
// (torch/nn/modules/transformer.py, PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>
/// Self-attention (causal for sequence decoding), cross-attention over the encoder's output, then the feed-forward
/// network; each sublayer with dropout, a residual connection and a LayerNorm (post-norm or pre-norm). Optional
/// positions as DETR's decoder layer adds them: the query positions to the queries and keys of the self-attention and
/// to the queries of the cross-attention, the memory positions to its keys; never to values.
/// Keys: <c>self_attn.*</c>, <c>multihead_attn.*</c>, <c>linear1</c>, <c>linear2</c>, <c>norm1..3</c>.
/// </summary>
public sealed class TransformerDecoderLayer : FeedForwardLayer
{
    public MultiheadAttention SelfAttn { get; }
    public MultiheadAttention MultiheadAttn { get; }
    public LayerNorm Norm1 { get; }
    public LayerNorm Norm2 { get; }
    public LayerNorm Norm3 { get; }
    private readonly Dropout _dropout1, _dropout2, _dropout3;

    /// <summary>torch.nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation, norm_first), batch first.</summary>
    public TransformerDecoderLayer(int dModel, int nHead, int dimFeedforward, float dropout, string activation, bool normFirst, Generator gen)
        : base(dModel, dimFeedforward, dropout, activation, normFirst, gen)
    {
        SelfAttn = RegisterModule("self_attn", new MultiheadAttention(dModel, nHead, batchFirst: true, gen: gen, dropout: dropout));
        MultiheadAttn = RegisterModule("multihead_attn", new MultiheadAttention(dModel, nHead, batchFirst: true, gen: gen, dropout: dropout));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel));
        Norm3 = RegisterModule("norm3", new LayerNorm(dModel));
        _dropout1 = RegisterModule("dropout1", new Dropout(dropout, gen));
        _dropout2 = RegisterModule("dropout2", new Dropout(dropout, gen));
        _dropout3 = RegisterModule("dropout3", new Dropout(dropout, gen));
    }

    /// <param name="x">[N, T, E]</param>
    /// <param name="memory">[N, S, E], the encoder's output; or [M, S, E] shared by N / M consecutive rows of x each
    /// (DETR's query groups: the cross-attention, query by query, reads the memory projected once per image)</param>
    /// <param name="tgtPadding">[N, T] int64, nonzero = padding key; or null</param>
    /// <param name="memoryPadding">[N, S] (or [M, S]) int64, nonzero = padding key; or null</param>
    /// <param name="tgtIsCausal">position t of the self-attention attends positions &lt;= t only (sequence decoding; DETR's queries attend all)</param>
    /// <param name="pos">[N, S, E] added to the memory's keys in the cross-attention, or null</param>
    /// <param name="queryPos">[N, T, E] (or broadcastable) added to the queries and keys of the self-attention and the queries of the cross-attention, or null</param>
    /// <param name="crossAttention">when given, receives the cross-attention probabilities [N, H, T, S] (the unfused path, beside the fused one the layer runs); not with a shared memory</param>
    /// <returns>[N, T, E]</returns>
    public Tensor Forward(Tensor x, Tensor memory, Tensor? tgtPadding, Tensor? memoryPadding, bool tgtIsCausal,
        Tensor? pos = null, Tensor? queryPos = null, ICollection<Tensor>? crossAttention = null)
    {
        var keys = WithPos(memory, pos);
        x = Residual(x, Norm1, h =>
        {
            var qk = WithPos(h, queryPos);
            return _dropout1.Forward(SelfAttn.Forward(qk, qk, h, tgtPadding, isCausal: tgtIsCausal));
        });
        x = Residual(x, Norm2, h =>
        {
            var queries = WithPos(h, queryPos);
            int rows = h.Shape[0], shared = memory.Shape[0];
            if (rows != shared)
            {
                if (shared < 1 || rows % shared != 0 || crossAttention != null)
                    throw new ArgumentException($"TransformerDecoderLayer: {rows} query rows cannot share a memory of {shared} rows ({ShapeUtil.Format(memory.Shape)}){(crossAttention != null ? " while recording the cross-attention" : "")}");
                // Each query attends on its own: the rows of one memory row can be read as one longer row.
                int t = h.Shape[1], e = h.Shape[2];
                var merged = MultiheadAttn.Forward(queries.Reshape(shared, rows / shared * t, e), keys, memory, memoryPadding);
                return _dropout2.Forward(merged.Reshape(rows, t, e));
            }
            crossAttention?.Add(MultiheadAttn.Probabilities(queries, keys, memoryPadding));
            return _dropout2.Forward(MultiheadAttn.Forward(queries, keys, memory, memoryPadding));
        });
        return Residual(x, Norm3, h => _dropout3.Forward(FeedForward(h)));
    }

    /// <summary>
    /// One decoding step in eval mode: the new position's key and value are appended to the cache, its
    /// query attends all cached positions (so no causal mask is needed), and the cross-attention reads
    /// the memory's keys and values projected once when the cache was made.
    /// </summary>
    /// <param name="x">[B, 1, E], the newest position</param>
    /// <returns>[B, 1, E]</returns>
    internal Tensor ForwardStep(Tensor x, DecoderLayerCache cache, int position, Tensor? memoryAllow)
    {
        x = Residual(x, Norm1, h =>
        {
            var keys = cache.Append(SelfAttn.ProjectHeads(h, 1), SelfAttn.ProjectHeads(h, 2), position, out var values);
            return SelfAttn.MergeHeads(Ops.ScaledDotProductAttention(SelfAttn.ProjectHeads(h, 0), keys, values));
        });
        x = Residual(x, Norm2, h =>
            MultiheadAttn.MergeHeads(Ops.ScaledDotProductAttention(MultiheadAttn.ProjectHeads(h, 0), cache.CrossK, cache.CrossV, memoryAllow)));
        return Residual(x, Norm3, FeedForward);
    }
}
