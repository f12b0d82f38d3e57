// Attention Is All You Need (Vaswani et al., 2017), section 3.1; keys and arithmetic of torch.nn.TransformerEncoderLayer
// (torch/nn/modules/transformer.py, PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>
/// Self-attention then the feed-forward network, each with dropout on its output, a residual connection and a
/// LayerNorm (post-norm or pre-norm, <see cref="FeedForwardLayer"/>). Optional positions join the queries and keys of
/// the self-attention, as DETR's encoder layer adds them in every layer.
/// Keys: <c>self_attn.*</c>, <c>linear1</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>.
/// </summary>
public sealed class TransformerEncoderLayer : FeedForwardLayer
{
    public MultiheadAttention SelfAttn { get; }
    public LayerNorm Norm1 { get; }
    public LayerNorm Norm2 { get; }
    private readonly Dropout _dropout1, _dropout2;

    /// <summary>torch.nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation, norm_first), batch first.</summary>
    public TransformerEncoderLayer(int dModel, int nHead, int dimFeedforward, float dropout, string activation, bool normFirst, Generator gen)
        : base(dModel, dimFeedforward, dropout, activation, normFirst, gen)
    {
        SelfAttn = RegisterModule("self_attn", new MultiheadAttention(dModel, nHead, batchFirst: true, gen: gen, dropout: dropout));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel));
        _dropout1 = RegisterModule("dropout1", new Dropout(dropout, gen));
        _dropout2 = RegisterModule("dropout2", new Dropout(dropout, gen));
    }

    /// <param name="x">[N, S, E]</param>
    /// <param name="padding">[N, S] int64, nonzero = padding key; null when no position is padding</param>
    /// <param name="pos">[N, S, E] added to the queries and keys (not the values), or null</param>
    /// <returns>[N, S, E]</returns>
    public Tensor Forward(Tensor x, Tensor? padding, Tensor? pos = null)
    {
        x = Residual(x, Norm1, h =>
        {
            var qk = WithPos(h, pos);
            return _dropout1.Forward(SelfAttn.Forward(qk, qk, h, padding));
        });
        return Residual(x, Norm2, h => _dropout2.Forward(FeedForward(h)));
    }
}
