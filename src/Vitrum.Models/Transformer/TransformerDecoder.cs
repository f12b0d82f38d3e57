// Attention Is All You Need (Vaswani et al., 2017); keys of torch.nn.TransformerDecoder (PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>nn.TransformerDecoder as nn.Transformer and DETR build it: <c>layers.N.*</c> then the final <c>norm</c>.</summary>
public sealed class TransformerDecoder : Module
{
    public ModuleList<TransformerDecoderLayer> Layers { get; }
    public LayerNorm Norm { get; }

    /// <summary>nn.TransformerDecoder(decoder_layer, num_layers, norm): the layers in order, then the norm.</summary>
    public TransformerDecoder(IEnumerable<TransformerDecoderLayer> layers, LayerNorm norm)
    {
        Layers = RegisterModule("layers", new ModuleList<TransformerDecoderLayer>(layers));
        Norm = RegisterModule("norm", norm);
    }

    /// <summary>nn.Transformer's decoder for <paramref name="c"/>.</summary>
    public TransformerDecoder(TransformerConfig c, Generator gen)
        : this(Enumerable.Range(0, c.NumDecoderLayers)
            .Select(_ => new TransformerDecoderLayer(c.DModel, c.NHead, c.DimFeedforward, (float)c.Dropout, c.Activation, c.NormFirst, gen)).ToList(),
            new LayerNorm(c.DModel))
    {
    }

    /// <summary>Sequence decoding: a causal self-attention.</summary>
    /// <param name="x">[N, T, E]</param>
    /// <param name="memory">[N, S, E]</param>
    /// <returns>[N, T, E]</returns>
    public Tensor Forward(Tensor x, Tensor memory, Tensor? tgtPadding, Tensor? memoryPadding)
    {
        foreach (var layer in Layers) x = layer.Forward(x, memory, tgtPadding, memoryPadding, tgtIsCausal: true);
        return Norm.Forward(x);
    }

    /// <summary>
    /// Every layer's output through the final norm (DETR's return_intermediate, read by the auxiliary losses), with the
    /// queries attending each other freely and positions as <see cref="TransformerDecoderLayer.Forward"/> takes them.
    /// </summary>
    /// <param name="x">[N, T, E]</param>
    /// <param name="memory">[N, S, E]</param>
    /// <param name="memoryPadding">[N, S] int64, nonzero = padding; or null</param>
    /// <param name="pos">[N, S, E] added to the memory's keys, or null</param>
    /// <param name="queryPos">[N, T, E] (or broadcastable) added to the queries, or null</param>
    /// <param name="crossAttention">when given, receives each layer's cross-attention probabilities [N, H, T, S], in order</param>
    /// <param name="tgtPadding">[N, T] int64, nonzero = a query no other query attends in the self-attention; or null</param>
    /// <returns>one [N, T, E] per layer, in order</returns>
    public IReadOnlyList<Tensor> ForwardIntermediate(Tensor x, Tensor memory, Tensor? memoryPadding, Tensor? pos, Tensor? queryPos,
        ICollection<Tensor>? crossAttention = null, Tensor? tgtPadding = null)
    {
        var outputs = new List<Tensor>(Layers.Count);
        foreach (var layer in Layers)
        {
            x = layer.Forward(x, memory, tgtPadding, memoryPadding, tgtIsCausal: false, pos, queryPos, crossAttention);
            outputs.Add(Norm.Forward(x));
        }
        return outputs;
    }

    /// <summary>One incremental step (see <see cref="TransformerDecoderLayer.ForwardStep"/>): [B, 1, E] -> [B, 1, E].</summary>
    internal Tensor ForwardStep(Tensor x, DecoderCache cache)
    {
        for (int i = 0; i < Layers.Count; i++) x = Layers[i].ForwardStep(x, cache.Layers[i], cache.Length, cache.MemoryAllow);
        return Norm.Forward(x);
    }
}
