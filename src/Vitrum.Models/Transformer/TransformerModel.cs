// Attention Is All You Need (Vaswani et al., 2017): the encoder-decoder Transformer. Layers and state-dict keys
// of torch.nn.Transformer (PyTorch 1.13, batch_first) wrapped as in the Annotated Transformer: src_embed,
// tgt_embed, transformer, generator.
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Transformer;

/// <summary>
/// Token embeddings x sqrt(d_model) plus sinusoidal encodings (then dropout), nn.Transformer's encoder and
/// decoder with a causal target mask and key-padding masks from <c>pad_id</c> (source: encoder self-attention
/// and cross-attention; target: decoder self-attention), and a linear layer to target-vocabulary logits.
/// Keys: <c>src_embed.weight</c>, <c>tgt_embed.weight</c> (absent with shared embeddings), <c>transformer.*</c>
/// exactly as torch.nn.Transformer names them, <c>generator.weight</c> (absent when tied) and <c>generator.bias</c>.
/// A sequence whose tokens are all padding gives finite values (its attention outputs are zero), not NaN.
/// </summary>
public sealed class TransformerModel : Module
{
    public TransformerConfig Config { get; }
    public Embedding SrcEmbed { get; }
    /// <summary>The target embedding; the same module as <see cref="SrcEmbed"/> with shared embeddings.</summary>
    public Embedding TgtEmbed { get; }
    public EncoderDecoder Transformer { get; }
    public OutputProjection Generator { get; }
    private readonly Dropout _dropout;
    private readonly Tensor _positions;
    private readonly float _embedScale;

    public TransformerModel(TransformerConfig config, ulong seed = 0)
    {
        Config = config.Validate();
        var gen = new Generator(seed);
        SrcEmbed = RegisterModule("src_embed", NewEmbedding(config.SrcVocabSize, gen));
        TgtEmbed = config.ShareEmbeddings ? SrcEmbed : RegisterModule("tgt_embed", NewEmbedding(config.TgtVocabSize, gen));
        Transformer = RegisterModule("transformer", new EncoderDecoder(config, gen));
        // nn.Transformer._reset_parameters: Xavier-uniform for every matrix of the encoder and decoder.
        foreach (var (_, p) in Transformer.NamedParameters())
            if (p.Rank > 1) Init.XavierUniform(p, gen);
        Generator = RegisterModule("generator", new OutputProjection(config.DModel, config.TgtVocabSize, config.TieOutput ? TgtEmbed.Weight : null, gen));
        _dropout = RegisterModule("dropout", new Dropout((float)config.Dropout, gen));
        _positions = PositionalEncoding.Table(config.MaxLen, config.DModel);
        _embedScale = MathF.Sqrt(config.DModel);
    }

    /// <summary>N(0, d^-1/2) rows, so that after the sqrt(d) scale they are of unit size like the position encodings; the padding row zero.</summary>
    private Embedding NewEmbedding(int vocab, Generator gen)
    {
        var e = new Embedding(vocab, Config.DModel, Config.PadId, gen);
        Init.Normal(e.Weight, 0, 1 / Math.Sqrt(Config.DModel), gen);
        e.Weight.AsSpan().Slice(Config.PadId * Config.DModel, Config.DModel).Clear();
        return e;
    }

    /// <summary>Teacher-forced logits.</summary>
    /// <param name="src">[N, S] int64 source token ids</param>
    /// <param name="tgt">[N, T] int64 target token ids (usually bos + the target shifted right)</param>
    /// <returns>[N, T, tgt_vocab_size]</returns>
    /// <exception cref="ArgumentException">a tensor is empty, not [N, L] int64, longer than max_len, holds ids outside its vocabulary, or the batch sizes differ</exception>
    public Tensor Forward(Tensor src, Tensor tgt)
    {
        TokenChecks.Check("tgt", tgt, Config.TgtVocabSize, Config.MaxLen);
        TokenChecks.Check("src", src, Config.SrcVocabSize, Config.MaxLen);
        if (src.Shape[0] != tgt.Shape[0])
            throw new ArgumentException($"TransformerModel: src {ShapeUtil.Format(src.Shape)} and tgt {ShapeUtil.Format(tgt.Shape)} have different batch sizes");
        var srcPadding = Padding(src);
        var memory = EncodeChecked(src, srcPadding);
        return Generator.Forward(DecodeHidden(tgt, memory, Padding(tgt), srcPadding));
    }

    /// <summary>The encoder's output (after nn.Transformer's final encoder norm).</summary>
    /// <param name="src">[N, S] int64</param>
    /// <returns>memory [N, S, d_model]</returns>
    public Tensor Encode(Tensor src)
    {
        TokenChecks.Check("src", src, Config.SrcVocabSize, Config.MaxLen);
        return EncodeChecked(src, Padding(src));
    }

    private Tensor EncodeChecked(Tensor src, Tensor? padding) =>
        Transformer.Encoder.Forward(Embed(SrcEmbed, src, 0), padding);

    /// <summary>[N, L] int64 with 1 where the token is <c>pad_id</c>, or null when no token is (the masks then cost nothing).</summary>
    public Tensor? Padding(Tensor tokens)
    {
        var ids = tokens.Contiguous().AsLongSpan();
        long pad = Config.PadId;
        if (!ids.Contains(pad)) return null;
        var m = Tensor.LongZeros(tokens.Shape);
        var s = m.AsLongSpan();
        for (int i = 0; i < ids.Length; i++) s[i] = ids[i] == pad ? 1 : 0;
        return m;
    }

    /// <summary>Logits for every target position given the encoder's output (the uncached decoding path re-runs this on the whole prefix).</summary>
    /// <param name="tgt">[N, T] int64</param>
    /// <param name="memory">[N, S, d_model] from <see cref="Encode"/></param>
    /// <param name="memoryPadding">[N, S] from <see cref="Padding"/> of the source, or null</param>
    /// <param name="maskTargetPadding">mask target tokens equal to pad_id as keys (teacher forcing); decoding passes false</param>
    /// <returns>[N, T, tgt_vocab_size]</returns>
    public Tensor Decode(Tensor tgt, Tensor memory, Tensor? memoryPadding, bool maskTargetPadding = true)
    {
        TokenChecks.Check("tgt", tgt, Config.TgtVocabSize, Config.MaxLen);
        CheckMemory(memory, tgt.Shape[0]);
        return Generator.Forward(DecodeHidden(tgt, memory, maskTargetPadding ? Padding(tgt) : null, memoryPadding));
    }

    private Tensor DecodeHidden(Tensor tgt, Tensor memory, Tensor? tgtPadding, Tensor? memoryPadding) =>
        Transformer.Decoder.Forward(Embed(TgtEmbed, tgt, 0), memory, tgtPadding, memoryPadding);

    /// <summary>Embedding x sqrt(d_model) + the encodings of positions start.. (then dropout): [N, L] -> [N, L, d_model].</summary>
    private Tensor Embed(Embedding table, Tensor ids, int start)
    {
        var x = Ops.Mul(table.Forward(ids), _embedScale);
        return _dropout.Forward(Ops.Add(x, _positions.Narrow(0, start, ids.Shape[1])));
    }

    /// <summary>
    /// A key/value cache for incremental decoding of <paramref name="memory"/>'s rows: the cross-attention keys
    /// and values of every decoder layer are projected here, once.
    /// </summary>
    /// <param name="memory">[B, S, d_model]</param>
    /// <param name="memoryPadding">[B, S] int64 (1 = padding) or null</param>
    /// <param name="capacity">the most positions that will be decoded (bos included), at most max_len</param>
    public DecoderCache CreateCache(Tensor memory, Tensor? memoryPadding, int capacity)
    {
        CheckMemory(memory, memory.Rank == 3 ? memory.Shape[0] : -1);
        if (capacity <= 0 || capacity > Config.MaxLen)
            throw new ArgumentException($"TransformerModel: a decoder cache of {capacity} positions is outside [1, max_len {Config.MaxLen}]");
        int b = memory.Shape[0], s = memory.Shape[1], heads = Config.NHead, dh = Config.DModel / heads;
        if (memoryPadding != null && (memoryPadding.DType != DType.Int64 || !ShapeUtil.SameShape(memoryPadding.Shape, [b, s])))
            throw new ArgumentException($"TransformerModel: memory padding {memoryPadding.DType} {ShapeUtil.Format(memoryPadding.Shape)} is not int64 [{b}, {s}]");
        var layers = new DecoderLayerCache[Config.NumDecoderLayers];
        Tensor? allow = null;
        using (Tensors.Autograd.GradMode.NoGrad())
        {
            for (int i = 0; i < layers.Length; i++)
            {
                var attn = Transformer.Decoder.Layers[i].MultiheadAttn;
                layers[i] = new DecoderLayerCache(b, heads, capacity, dh, Owned(attn.ProjectHeads(memory, 1)), Owned(attn.ProjectHeads(memory, 2)));
            }
            if (memoryPadding != null)
            {
                using var _ = TensorScope.Suppress();
                allow = Tensor.LongZeros(b, 1, 1, s);
                var a = allow.AsLongSpan();
                var p = memoryPadding.Contiguous().AsLongSpan();
                for (int i = 0; i < a.Length; i++) a[i] = p[i] != 0 ? 0 : 1;
            }
        }
        return new DecoderCache(layers, allow, b, capacity);
    }

    /// <summary>A contiguous copy outside every scope, owned by the cache.</summary>
    private static Tensor Owned(Tensor t)
    {
        Tensor o;
        using (TensorScope.Suppress()) o = Tensor.Empty(t.Shape);
        Ops.CopyInto(o, t);
        return o;
    }

    /// <summary>
    /// Feeds one token per row at position <see cref="DecoderCache.Length"/> and returns the next-token logits;
    /// the cache grows by one position. Eval mode only (dropout would make steps disagree with teacher forcing).
    /// </summary>
    /// <param name="tokens">[B] int64</param>
    /// <returns>[B, tgt_vocab_size]</returns>
    public Tensor DecodeStep(Tensor tokens, DecoderCache cache)
    {
        if (Training) throw new InvalidOperationException("TransformerModel.DecodeStep: call Eval() first (cached decoding runs without dropout)");
        if (tokens.Rank != 1 || tokens.Shape[0] != cache.Batch)
            throw new ArgumentException($"TransformerModel.DecodeStep: tokens {ShapeUtil.Format(tokens.Shape)} is not [{cache.Batch}] (one per cached row)");
        if (cache.Length >= cache.Capacity)
            throw new ArgumentException($"TransformerModel.DecodeStep: the cache is full ({cache.Capacity} positions)");
        var ids = tokens.Reshape(cache.Batch, 1);
        TokenChecks.Check("tokens", ids, Config.TgtVocabSize, Config.MaxLen);
        var x = Transformer.Decoder.ForwardStep(Embed(TgtEmbed, ids, cache.Length), cache);
        cache.Length++;
        return Generator.Forward(x).Reshape(cache.Batch, Config.TgtVocabSize);
    }

    private void CheckMemory(Tensor memory, int batch)
    {
        if (memory.DType != DType.Float32 || memory.Rank != 3 || memory.Shape[0] != batch || memory.Shape[2] != Config.DModel || memory.Shape[1] == 0)
            throw new ArgumentException($"TransformerModel: memory {memory.DType} {ShapeUtil.Format(memory.Shape)} is not float32 [{(batch < 0 ? "N" : batch)}, S >= 1, {Config.DModel}] (the encoder's output)");
    }
}
