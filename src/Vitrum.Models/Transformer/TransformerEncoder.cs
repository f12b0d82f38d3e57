// Attention Is All You Need (Vaswani et al., 2017); keys of torch.nn.TransformerEncoder (PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>
/// nn.TransformerEncoder: <c>layers.N.*</c> then the final <c>norm</c>, which nn.Transformer always has and DETR's
/// encoder only with pre-norm layers (no <c>norm</c> key otherwise).
/// </summary>
public sealed class TransformerEncoder : Module
{
    public ModuleList<TransformerEncoderLayer> Layers { get; }
    public LayerNorm? Norm { get; }

    /// <summary>nn.TransformerEncoder(encoder_layer, num_layers, norm): the layers in order, then the norm if any.</summary>
    public TransformerEncoder(IEnumerable<TransformerEncoderLayer> layers, LayerNorm? norm)
    {
        Layers = RegisterModule("layers", new ModuleList<TransformerEncoderLayer>(layers));
        if (norm != null) Norm = RegisterModule("norm", norm);
    }

    /// <summary>nn.Transformer's encoder for <paramref name="c"/>.</summary>
    public TransformerEncoder(TransformerConfig c, Generator gen)
        : this(Enumerable.Range(0, c.NumEncoderLayers)
            .Select(_ => new TransformerEncoderLayer(c.DModel, c.NHead, c.DimFeedforward, (float)c.Dropout, c.Activation, c.NormFirst, gen)).ToList(),
            new LayerNorm(c.DModel))
    {
    }

    /// <param name="x">[N, S, E]</param>
    /// <param name="padding">[N, S] int64, nonzero = padding; or null</param>
    /// <param name="pos">[N, S, E] added to every layer's queries and keys (DETR's positions), or null</param>
    /// <returns>[N, S, E]</returns>
    public Tensor Forward(Tensor x, Tensor? padding, Tensor? pos = null)
    {
        foreach (var layer in Layers) x = layer.Forward(x, padding, pos);
        return Norm?.Forward(x) ?? x;
    }
}
