// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); Transformer of facebookresearch/detr's
// models/transformer.py, over the torch.nn-keyed layers of Models/Transformer.
using Vitrum.Models.Transformer;
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// DETR's transformer (key <c>transformer</c>): an encoder over the flattened feature map (positions added to the
/// queries and keys of every layer; a final <c>encoder.norm</c> only with pre-norm layers) and a decoder whose queries
/// start at zero, carry the learned query embedding as their positions in every layer and attend each other without a
/// mask; every decoder layer's output goes through <c>decoder.norm</c> (return_intermediate). ReLU feed-forward
/// networks; every matrix Xavier-uniform at init, as DETR's _reset_parameters.
/// </summary>
public sealed class DetrTransformer : Module
{
    public TransformerEncoder Encoder { get; }
    public TransformerDecoder Decoder { get; }
    public int DModel { get; }

    public DetrTransformer(DetrConfig c, Generator gen)
    {
        DModel = c.HiddenDim;
        float p = (float)c.Dropout;
        Encoder = RegisterModule("encoder", new TransformerEncoder(
            Enumerable.Range(0, c.EncLayers).Select(_ => new TransformerEncoderLayer(c.HiddenDim, c.NHeads, c.DimFeedforward, p, "relu", c.PreNorm, gen)).ToList(),
            c.PreNorm ? new LayerNorm(c.HiddenDim) : null));
        Decoder = RegisterModule("decoder", new TransformerDecoder(
            Enumerable.Range(0, c.DecLayers).Select(_ => new TransformerDecoderLayer(c.HiddenDim, c.NHeads, c.DimFeedforward, p, "relu", c.PreNorm, gen)).ToList(),
            new LayerNorm(c.HiddenDim)));
        foreach (var (_, w) in NamedParameters())
            if (w.Rank > 1) Init.XavierUniform(w, gen);
    }

    /// <param name="src">[B, hidden_dim, h, w], the projected feature map</param>
    /// <param name="mask">its padding</param>
    /// <param name="queryEmbed">[Q, hidden_dim], the object queries' positions; or [G, Q, hidden_dim], G groups of them
    /// (Group DETR's training), each decoded on its own as if the others did not exist</param>
    /// <param name="pos">[B, hidden_dim, h, w], the map's position embedding</param>
    /// <param name="crossAttention">when given, receives each decoder layer's cross-attention probabilities [B, nheads, Q, h * w], in order</param>
    /// <returns>every decoder layer's normed output [B, Q, hidden_dim] (with groups [B * G, Q, hidden_dim], image-major), in order</returns>
    public IReadOnlyList<Tensor> Forward(Tensor src, PaddingMask mask, Tensor queryEmbed, Tensor pos, ICollection<Tensor>? crossAttention = null) =>
        Decode(Encode(src, mask, pos), queryEmbed, crossAttention);

    /// <summary>The encoder over the flattened map: its output, the keys' padding and the positions, as the decoder reads them.</summary>
    /// <param name="src">[B, hidden_dim, h, w], the projected feature map</param>
    /// <param name="mask">its padding</param>
    /// <param name="pos">[B, hidden_dim, h, w], the map's position embedding</param>
    public EncodedMap Encode(Tensor src, PaddingMask mask, Tensor pos)
    {
        int b = src.Shape[0], hw = src.Shape[2] * src.Shape[3];
        var tokens = src.Reshape(b, DModel, hw).Transpose(1, 2);
        var tokenPos = pos.Reshape(b, DModel, hw).Transpose(1, 2);
        // The official code passes the mask always; without padding it changes nothing, so the masked path is skipped.
        var padding = mask.Any ? mask.KeyPadding() : null;
        return new EncodedMap(Encoder.Forward(tokens, padding, tokenPos), padding, tokenPos);
    }

    /// <summary>The decoder's queries over an encoded map (see <see cref="Forward"/>).</summary>
    public IReadOnlyList<Tensor> Decode(EncodedMap map, Tensor queryEmbed, ICollection<Tensor>? crossAttention = null)
    {
        var (memory, padding, tokenPos) = map;
        int b = memory.Shape[0];
        if (queryEmbed.Rank == 2)
            return Decoder.ForwardIntermediate(Tensor.Zeros(b, queryEmbed.Shape[0], DModel), memory, padding, tokenPos, queryEmbed.Unsqueeze(0), crossAttention);
        // Groups as extra batch rows: the decoder's self-attention never mixes rows, so no group sees another's queries.
        int g = queryEmbed.Shape[0], q = queryEmbed.Shape[1];
        var queryPos = Ops.Repeat(queryEmbed.Unsqueeze(0), b, 1, 1, 1).Reshape(b * g, q, DModel);
        // The cross-attention reads each image's memory once for all its rows.
        return Decoder.ForwardIntermediate(Tensor.Zeros(b * g, q, DModel), memory, padding, tokenPos, queryPos, crossAttention);
    }

    /// <summary>
    /// Queries with content of their own over an encoded map, <paramref name="rows"/> rows of them per image (DN-DETR's
    /// denoising groups, each decoded on its own), the padded ones seen by no other query.
    /// </summary>
    /// <param name="content">[B * rows, T, hidden_dim], the queries' starting content (DETR's object queries start at zero)</param>
    /// <param name="queryPos">[B * rows, T, hidden_dim], their positions</param>
    /// <param name="queryPadding">[B * rows, T] Int64, nonzero = a padding query no other query attends</param>
    /// <returns>every decoder layer's normed output [B * rows, T, hidden_dim], in order</returns>
    public IReadOnlyList<Tensor> DecodeQueries(EncodedMap map, int rows, Tensor content, Tensor queryPos, Tensor queryPadding)
    {
        var (memory, padding, tokenPos) = map;
        if (content.Rank != 3 || content.Shape[0] != memory.Shape[0] * rows || content.Shape[2] != DModel)
            throw new ArgumentException($"DETR transformer: query content {ShapeUtil.Format(content.Shape)} is not [{memory.Shape[0] * rows}, T, {DModel}] ({rows} rows for each of {memory.Shape[0]} images)");
        return Decoder.ForwardIntermediate(content, memory, padding, tokenPos, queryPos, tgtPadding: queryPadding);
    }
}

/// <summary>The encoder's output for a batch, as the decoder reads it.</summary>
/// <param name="Memory">[B, h * w, hidden_dim]</param>
/// <param name="Padding">[B, h * w] Int64, nonzero = padding; null when nothing is padded</param>
/// <param name="Pos">[B, h * w, hidden_dim], the keys' positions</param>
public sealed record EncodedMap(Tensor Memory, Tensor? Padding, Tensor Pos);
