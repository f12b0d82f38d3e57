using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// torch.nn.MultiheadAttention with its packed layout (keys <c>in_proj_weight</c> [3E, E], <c>in_proj_bias</c>,
/// <c>out_proj.weight</c>, <c>out_proj.bias</c>) over the engine's fused attention. Masks use PyTorch's
/// meaning: a boolean (Int64) mask marks with nonzero a key that is NOT attended; a Float32 mask is added
/// to the scores. Unlike PyTorch, a query whose keys are all masked gets a zero output instead of NaN.
/// </summary>
public sealed class MultiheadAttention : Module
{
    public Tensor InProjWeight { get; }
    public Tensor? InProjBias { get; }
    public Linear OutProj { get; }
    public int EmbedDim { get; }
    public int NumHeads { get; }
    public bool BatchFirst { get; }
    private readonly Dropout _drop;

    /// <param name="dropout">dropout on the attention probabilities while training (torch's <c>dropout</c>)</param>
    public MultiheadAttention(int embedDim, int numHeads, bool bias = true, bool batchFirst = false, Generator? gen = null, float dropout = 0)
    {
        if (numHeads <= 0 || embedDim % numHeads != 0) throw new ArgumentException($"MultiheadAttention: embed dim {embedDim} is not divisible by {numHeads} heads");
        gen ??= new Generator(0);
        (EmbedDim, NumHeads, BatchFirst) = (embedDim, numHeads, batchFirst);
        InProjWeight = RegisterParameter("in_proj_weight", Init.XavierUniform(NewTensor(3 * embedDim, embedDim), gen));
        if (bias) InProjBias = RegisterParameter("in_proj_bias", NewTensor(3 * embedDim));
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, gen));
        if (bias) OutProj.Bias!.AsSpan().Clear();
        _drop = RegisterModule("dropout", new Dropout(dropout, gen));
    }

    /// <summary>
    /// [B, T, E] (batch first) -> [B, H, T, d] through one slice of the packed projection: 0 query, 1 key,
    /// 2 value. Public so that incremental decoders can project and cache keys and values themselves.
    /// </summary>
    public Tensor ProjectHeads(Tensor x, int which)
    {
        var y = Ops.Linear(x, InProjWeight.Narrow(0, which * EmbedDim, EmbedDim), InProjBias?.Narrow(0, which * EmbedDim, EmbedDim));
        return y.Reshape(x.Shape[0], x.Shape[1], NumHeads, EmbedDim / NumHeads).Transpose(1, 2);
    }

    /// <summary>The heads' outputs [B, H, T, d] joined and projected by out_proj: [B, T, E] (batch first).</summary>
    public Tensor MergeHeads(Tensor o) => OutProj.Forward(o.Transpose(1, 2).Reshape(o.Shape[0], o.Shape[2], EmbedDim));

    /// <param name="query">[L, B, E] ([B, L, E] when batch first)</param>
    /// <param name="key">[S, B, E] ([B, S, E])</param>
    /// <param name="value">[S, B, E] ([B, S, E])</param>
    /// <param name="keyPaddingMask">[B, S]: Int64 nonzero = padding (ignored), or Float32 added to the scores</param>
    /// <param name="attnMask">[L, S] or [B * H, L, S]: Int64 nonzero = not allowed, or Float32 added to the scores</param>
    /// <param name="isCausal">query i attends keys j &lt;= i only; combines with the masks</param>
    /// <returns>[L, B, E] ([B, L, E])</returns>
    public Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, Tensor? attnMask = null, bool isCausal = false)
    {
        foreach (var (n, t) in new[] { ("query", query), ("key", key), ("value", value) })
            if (t.Rank != 3 || t.Shape[2] != EmbedDim)
                throw new ArgumentException($"MultiheadAttention: {n} {ShapeUtil.Format(t.Shape)} is not 3-D with embed dim {EmbedDim}");
        var q = BatchFirst ? query : query.Transpose(0, 1);
        var k = BatchFirst ? key : key.Transpose(0, 1);
        var v = BatchFirst ? value : value.Transpose(0, 1);
        int b = q.Shape[0], l = q.Shape[1], s = k.Shape[1];
        if (!ShapeUtil.SameShape(k.Shape, v.Shape) || k.Shape[0] != b)
            throw new ArgumentException($"MultiheadAttention: query {ShapeUtil.Format(query.Shape)}, key {ShapeUtil.Format(key.Shape)} and value {ShapeUtil.Format(value.Shape)} disagree in batch or key count");
        var (allow, bias) = Masks(b, l, s, keyPaddingMask, attnMask);
        var o = AttentionCore.Run(ProjectHeads(q, 0), ProjectHeads(k, 1), ProjectHeads(v, 2), allow, bias, isCausal, _drop);
        var y = MergeHeads(o);
        return BatchFirst ? y : y.Transpose(0, 1);
    }

    /// <summary>
    /// The attention probabilities [B, H, L, S] of each head (the unfused path, before dropout), for attention maps:
    /// what <see cref="Forward"/> weighs the values with for the same arguments (batch first).
    /// </summary>
    /// <param name="query">[B, L, E]</param>
    /// <param name="key">[B, S, E]</param>
    /// <param name="keyPaddingMask">[B, S]: Int64 nonzero = padding, or Float32 added to the scores; or null</param>
    public Tensor Probabilities(Tensor query, Tensor key, Tensor? keyPaddingMask = null)
    {
        if (!BatchFirst) throw new InvalidOperationException("MultiheadAttention.Probabilities reads batch-first inputs; this module is not batch first");
        foreach (var (n, t) in new[] { ("query", query), ("key", key) })
            if (t.Rank != 3 || t.Shape[2] != EmbedDim)
                throw new ArgumentException($"MultiheadAttention: {n} {ShapeUtil.Format(t.Shape)} is not 3-D with embed dim {EmbedDim}");
        if (query.Shape[0] != key.Shape[0])
            throw new ArgumentException($"MultiheadAttention: query {ShapeUtil.Format(query.Shape)} and key {ShapeUtil.Format(key.Shape)} disagree in batch");
        var (allow, bias) = Masks(query.Shape[0], query.Shape[1], key.Shape[1], keyPaddingMask, null);
        var q = ProjectHeads(query, 0);
        var k = ProjectHeads(key, 1);
        // The values do not change the probabilities; the keys stand in for them.
        Ops.AttentionUnfused(q, k, k, allow, bias, null, false, out var probs);
        return probs;
    }

    /// <summary>
    /// PyTorch's masks as the fused op's arguments: boolean ones become one "take part" mask (1 = attend),
    /// float ones one additive bias, both shaped to broadcast against [B, H, L, S].
    /// </summary>
    private (Tensor? Allow, Tensor? Bias) Masks(int b, int l, int s, Tensor? keyPaddingMask, Tensor? attnMask)
    {
        Tensor? allow = null, bias = null;
        void Add(Tensor m)
        {
            if (m.DType == DType.Float32) bias = bias == null ? m : Ops.Add(bias, m);
            else
            {
                var a = Ops.MaskedFill(Tensor.Ones(m.Shape), m, 0f);
                allow = allow == null ? a : Ops.Mul(allow, a);
            }
        }
        if (keyPaddingMask != null)
        {
            if (keyPaddingMask.Rank != 2 || keyPaddingMask.Shape[0] != b || keyPaddingMask.Shape[1] != s)
                throw new ArgumentException($"MultiheadAttention: key padding mask {ShapeUtil.Format(keyPaddingMask.Shape)} is not [{b}, {s}] (batch, keys)");
            Add(keyPaddingMask.Reshape(b, 1, 1, s));
        }
        if (attnMask != null)
        {
            if (attnMask.Rank == 2 && attnMask.Shape[0] == l && attnMask.Shape[1] == s) Add(attnMask);
            else if (attnMask.Rank == 3 && attnMask.Shape[0] == b * NumHeads && attnMask.Shape[1] == l && attnMask.Shape[2] == s)
                Add(attnMask.Reshape(b, NumHeads, l, s));
            else
                throw new ArgumentException($"MultiheadAttention: attention mask {ShapeUtil.Format(attnMask.Shape)} is neither [{l}, {s}] nor [{b * NumHeads}, {l}, {s}] (batch * heads, queries, keys)");
        }
        return (allow, bias);
    }
}
