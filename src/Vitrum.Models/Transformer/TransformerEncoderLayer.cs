// Attention Is All You Need (Vaswani et al., 2017), section 3.1; keys and arithmetic of torch.nn.TransformerEncoderLayer
// (torch/nn/modules/transformer.py, PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>
/// Self-attention then the feed-forward network, each with dropout on its output, a residual connection and a
/// LayerNorm (post-norm or pre-norm, <see cref="FeedForwardLayer"/>).
/// Keys: <c>self_attn.*</c>, <c>linear1</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>.
/// </summary>
public sealed class TransformerEncoderLayer : FeedForwardLayer
{
    public MultiheadAttention SelfAttn { get; }
    public LayerNorm Norm1 { get; }
    public LayerNorm Norm2 { get; }
    private readonly Dropout _dropout1, _dropout2;

    public TransformerEncoderLayer(TransformerConfig c, Generator gen) : base(c, gen)
    {
        SelfAttn = RegisterModule("self_attn", new MultiheadAttention(c.DModel, c.NHead, batchFirst: true, gen: gen, dropout: (float)c.Dropout));
        Norm1 = RegisterModule("norm1", new LayerNorm(c.DModel));
        Norm2 = RegisterModule("norm2", new LayerNorm(c.DModel));
        _dropout1 = RegisterModule("dropout1", new Dropout((float)c.Dropout, gen));
        _dropout2 = RegisterModule("dropout2", new Dropout((float)c.Dropout, gen));
    }

    /// <param name="x">[N, S, E]</param>
    /// <param name="padding">[N, S] int64, nonzero = padding key; null when no position is padding</param>
    /// <returns>[N, S, E]</returns>
    public Tensor Forward(Tensor x, Tensor? padding)
    {
        x = Residual(x, Norm1, h => _dropout1.Forward(SelfAttn.Forward(h, h, h, padding)));
        return Residual(x, Norm2, h => _dropout2.Forward(FeedForward(h)));
    }
}
