// Attention Is All You Need (Vaswani et al., 2017); keys of torch.nn.TransformerEncoder (PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>nn.TransformerEncoder as nn.Transformer builds it: <c>layers.N.*</c> then the final <c>norm</c>.</summary>
public sealed class TransformerEncoder : Module
{
    public ModuleList<TransformerEncoderLayer> Layers { get; }
    public LayerNorm Norm { get; }

    public TransformerEncoder(TransformerConfig c, Generator gen)
    {
        Layers = RegisterModule("layers", new ModuleList<TransformerEncoderLayer>());
        for (int i = 0; i < c.NumEncoderLayers; i++) Layers.Add(new TransformerEncoderLayer(c, gen));
        Norm = RegisterModule("norm", new LayerNorm(c.DModel));
    }

    /// <param name="x">[N, S, E]</param>
    /// <param name="padding">[N, S] int64, nonzero = padding; or null</param>
    /// <returns>[N, S, E]</returns>
    public Tensor Forward(Tensor x, Tensor? padding)
    {
        foreach (var layer in Layers) x = layer.Forward(x, padding);
        return Norm.Forward(x);
    }
}
