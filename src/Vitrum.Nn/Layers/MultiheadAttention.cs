using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// torch.nn.MultiheadAttention with its packed layout (keys <c>in_proj_weight</c> [3E, E], <c>in_proj_bias</c>,
/// <c>out_proj.weight</c>, <c>out_proj.bias</c>) over the engine's fused attention. Masks use PyTorch's
/// meaning: in <c>keyPaddingMask</c> [B, S] and a boolean <c>attnMask</c> [L, S], nonzero marks a key that is
/// NOT attended; a float <c>attnMask</c> is added to the scores.
/// </summary>
public sealed class MultiheadAttention : Module
{
    public Tensor InProjWeight { get; }
    public Tensor? InProjBias { get; }
    public Linear OutProj { get; }
    public int EmbedDim { get; }
    public int NumHeads { get; }
    public bool BatchFirst { get; }

    public MultiheadAttention(int embedDim, int numHeads, bool bias = true, bool batchFirst = false, Generator? gen = null)
    {
        if (numHeads <= 0 || embedDim % numHeads != 0) throw new ArgumentException($"MultiheadAttention: embed dim {embedDim} is not divisible by {numHeads} heads");
        gen ??= new Generator(0);
        (EmbedDim, NumHeads, BatchFirst) = (embedDim, numHeads, batchFirst);
        InProjWeight = RegisterParameter("in_proj_weight", Init.XavierUniform(NewTensor(3 * embedDim, embedDim), gen));
        if (bias) InProjBias = RegisterParameter("in_proj_bias", NewTensor(3 * embedDim));
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, gen));
        if (bias) OutProj.Bias!.AsSpan().Clear();
    }

    /// <summary>[B, T, E] (batch first) -> [B, H, T, d] through one slice of the packed projection.</summary>
    private Tensor Project(Tensor x, int which)
    {
        var w = InProjWeight.Narrow(0, which * EmbedDim, EmbedDim);
        var y = Ops.MatMul(x, w.T);
        if (InProjBias != null) y = Ops.Add(y, InProjBias.Narrow(0, which * EmbedDim, EmbedDim));
        return y.Reshape(x.Shape[0], x.Shape[1], NumHeads, EmbedDim / NumHeads).Transpose(1, 2);
    }

    /// <param name="query">[L, B, E] ([B, L, E] when batch first)</param>
    /// <param name="key">[S, B, E] ([B, S, E])</param>
    /// <param name="value">[S, B, E] ([B, S, E])</param>
    /// <param name="keyPaddingMask">int64 [B, S], nonzero = padding (ignored)</param>
    /// <param name="attnMask">[L, S]: int64 nonzero = not allowed, or float32 added to the scores</param>
    /// <returns>[L, B, E] ([B, L, E])</returns>
    public Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, Tensor? attnMask = null, bool isCausal = false)
    {
        foreach (var (n, t) in new[] { ("query", query), ("key", key), ("value", value) })
            if (t.Rank != 3 || t.Shape[2] != EmbedDim)
                throw new ArgumentException($"MultiheadAttention: {n} {ShapeUtil.Format(t.Shape)} is not 3-D with embed dim {EmbedDim}");
        var q = BatchFirst ? query : query.Transpose(0, 1);
        var k = BatchFirst ? key : key.Transpose(0, 1);
        var v = BatchFirst ? value : value.Transpose(0, 1);
        int b = q.Shape[0], s = k.Shape[1];
        Tensor? allow = null, bias = null;
        if (keyPaddingMask != null)
        {
            if (keyPaddingMask.Rank != 2 || keyPaddingMask.Shape[0] != b || keyPaddingMask.Shape[1] != s)
                throw new ArgumentException($"MultiheadAttention: key padding mask {ShapeUtil.Format(keyPaddingMask.Shape)} is not [{b}, {s}]");
            allow = Ops.MaskedFill(Tensor.Ones(b, s), keyPaddingMask, 0f).Reshape(b, 1, 1, s);
        }
        if (attnMask != null)
        {
            if (attnMask.DType == DType.Float32) bias = attnMask;
            else
            {
                var a = Ops.MaskedFill(Tensor.Ones(attnMask.Shape), attnMask, 0f);
                allow = allow == null ? a : Ops.Mul(allow, a);
            }
        }
        var o = Ops.ScaledDotProductAttention(Project(q, 0), Project(k, 1), Project(v, 2), allow, bias, isCausal: isCausal);
        var merged = o.Transpose(1, 2).Reshape(b, q.Shape[1], EmbedDim);
        var y = OutProj.Forward(merged);
        return BatchFirst ? y : y.Transpose(0, 1);
    }
}
