// Attention Is All You Need (Vaswani et al., 2017), section 3.1; keys and arithmetic of torch.nn.TransformerDecoderLayer
// (torch/nn/modules/transformer.py, PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>
/// Masked (causal) self-attention, cross-attention over the encoder's output, then the feed-forward network;
/// each sublayer with dropout, a residual connection and a LayerNorm (post-norm or pre-norm).
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

    public TransformerDecoderLayer(TransformerConfig c, Generator gen) : base(c, gen)
    {
        float p = (float)c.Dropout;
        SelfAttn = RegisterModule("self_attn", new MultiheadAttention(c.DModel, c.NHead, batchFirst: true, gen: gen, dropout: p));
        MultiheadAttn = RegisterModule("multihead_attn", new MultiheadAttention(c.DModel, c.NHead, batchFirst: true, gen: gen, dropout: p));
        Norm1 = RegisterModule("norm1", new LayerNorm(c.DModel));
        Norm2 = RegisterModule("norm2", new LayerNorm(c.DModel));
        Norm3 = RegisterModule("norm3", new LayerNorm(c.DModel));
        _dropout1 = RegisterModule("dropout1", new Dropout(p, gen));
        _dropout2 = RegisterModule("dropout2", new Dropout(p, gen));
        _dropout3 = RegisterModule("dropout3", new Dropout(p, gen));
    }

    /// <param name="x">[N, T, E]</param>
    /// <param name="memory">[N, S, E], the encoder's output</param>
    /// <param name="tgtPadding">[N, T] int64, nonzero = padding key; or null</param>
    /// <param name="memoryPadding">[N, S] int64, nonzero = padding key; or null</param>
    /// <returns>[N, T, E]</returns>
    public Tensor Forward(Tensor x, Tensor memory, Tensor? tgtPadding, Tensor? memoryPadding)
    {
        x = Residual(x, Norm1, h => _dropout1.Forward(SelfAttn.Forward(h, h, h, tgtPadding, isCausal: true)));
        x = Residual(x, Norm2, h => _dropout2.Forward(MultiheadAttn.Forward(h, memory, memory, memoryPadding)));
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
