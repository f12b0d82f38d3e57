// Attention Is All You Need (Vaswani et al., 2017); keys of torch.nn.TransformerDecoder (PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>nn.TransformerDecoder as nn.Transformer builds it: <c>layers.N.*</c> then the final <c>norm</c>.</summary>
public sealed class TransformerDecoder : Module
{
    public ModuleList<TransformerDecoderLayer> Layers { get; }
    public LayerNorm Norm { get; }

    public TransformerDecoder(TransformerConfig c, Generator gen)
    {
        Layers = RegisterModule("layers", new ModuleList<TransformerDecoderLayer>());
        for (int i = 0; i < c.NumDecoderLayers; i++) Layers.Add(new TransformerDecoderLayer(c, gen));
        Norm = RegisterModule("norm", new LayerNorm(c.DModel));
    }

    /// <param name="x">[N, T, E]</param>
    /// <param name="memory">[N, S, E]</param>
    /// <returns>[N, T, E]</returns>
    public Tensor Forward(Tensor x, Tensor memory, Tensor? tgtPadding, Tensor? memoryPadding)
    {
        foreach (var layer in Layers) x = layer.Forward(x, memory, tgtPadding, memoryPadding);
        return Norm.Forward(x);
    }

    /// <summary>One incremental step (see <see cref="TransformerDecoderLayer.ForwardStep"/>): [B, 1, E] -> [B, 1, E].</summary>
    internal Tensor ForwardStep(Tensor x, DecoderCache cache)
    {
        for (int i = 0; i < Layers.Count; i++) x = Layers[i].ForwardStep(x, cache.Layers[i], cache.Length, cache.MemoryAllow);
        return Norm.Forward(x);
    }
}
