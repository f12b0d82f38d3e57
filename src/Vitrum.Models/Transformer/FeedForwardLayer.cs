// Attention Is All You Need (Vaswani et al., 2017), section 3.3; the arithmetic of torch.nn.TransformerEncoderLayer /
// TransformerDecoderLayer (PyTorch 1.13), norm_first included (Xiong et al., 2020, "On Layer Normalization in the Transformer Architecture").
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>
/// What nn.TransformerEncoderLayer and nn.TransformerDecoderLayer share: the position-wise feed-forward
/// network linear2(dropout(activation(linear1(x)))), whose keys <c>linear1</c> and <c>linear2</c> sit directly
/// under the layer as torch names them, and the choice of post-norm or pre-norm residual sublayers.
/// </summary>
public abstract class FeedForwardLayer : Module
{
    public Linear Linear1 { get; }
    public Linear Linear2 { get; }
    public bool NormFirst { get; }
    private readonly Dropout _dropout;
    private readonly bool _gelu;

    /// <param name="activation">"relu" or "gelu" (exact erf form, as torch's F.gelu)</param>
    /// <param name="normFirst">pre-norm (LayerNorm before each sublayer) instead of the paper's post-norm</param>
    protected FeedForwardLayer(int dModel, int dimFeedforward, float dropout, string activation, bool normFirst, Generator gen)
    {
        if (activation is not ("relu" or "gelu")) throw new ArgumentException($"{GetType().Name}: activation is '{activation}', expected 'relu' or 'gelu'");
        NormFirst = normFirst;
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, gen: gen));
        _dropout = RegisterModule("dropout", new Dropout(dropout, gen));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, gen: gen));
        _gelu = activation == "gelu";
    }

    /// <param name="x">[..., E]</param>
    protected Tensor FeedForward(Tensor x)
    {
        var h = Linear1.Forward(x);
        h = _gelu ? Ops.Gelu(h) : Ops.Relu(h);
        return Linear2.Forward(_dropout.Forward(h));
    }

    /// <summary>One residual sublayer: x + f(norm(x)) with pre-norm, norm(x + f(x)) with post-norm (f includes its dropout).</summary>
    protected Tensor Residual(Tensor x, LayerNorm norm, Func<Tensor, Tensor> sublayer) =>
        NormFirst ? Ops.Add(x, sublayer(norm.Forward(x))) : norm.Forward(Ops.Add(x, sublayer(x)));

    /// <summary>DETR's with_pos_embed: positions join the queries and keys of attention, never the values.</summary>
    protected static Tensor WithPos(Tensor x, Tensor? pos) => pos == null ? x : Ops.Add(x, pos);
}
