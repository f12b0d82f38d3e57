using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// timm's multi-head self-attention with one fused projection (keys <c>qkv</c> [3C, C] and <c>proj</c>),
/// running the engine's fused scaled dot-product attention. The optional additive bias is Swin's relative
/// position bias / shift mask.
/// </summary>
public sealed class Attention : Module<Tensor, Tensor>
{
    public Linear Qkv { get; }
    public Linear Proj { get; }
    public int NumHeads { get; }
    public int HeadDim { get; }
    private readonly Dropout _projDrop;

    public Attention(int dim, int numHeads, bool qkvBias = true, float projDrop = 0, Generator? gen = null)
    {
        if (numHeads <= 0 || dim % numHeads != 0) throw new ArgumentException($"Attention: dim {dim} is not divisible by {numHeads} heads");
        gen ??= new Generator(0);
        (NumHeads, HeadDim) = (numHeads, dim / numHeads);
        Qkv = RegisterModule("qkv", new Linear(dim, 3 * dim, qkvBias, gen));
        Proj = RegisterModule("proj", new Linear(dim, dim, true, gen));
        _projDrop = new Dropout(projDrop, gen);
    }

    /// <summary>Splits [B, N, 3C] into q, k, v of [B, H, N, d] (views, no copies).</summary>
    private (Tensor Q, Tensor K, Tensor V) Heads(Tensor x)
    {
        int b = x.Shape[0], n = x.Shape[1];
        var qkv = Qkv.Forward(x).Reshape(b, n, 3, NumHeads, HeadDim).Permute(2, 0, 3, 1, 4);
        return (qkv.Select(0, 0), qkv.Select(0, 1), qkv.Select(0, 2));
    }

    /// <param name="input">[B, N, C]</param>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <param name="input">[B, N, C]</param>
    /// <param name="bias">additive attention bias broadcastable to [B, H, N, N]</param>
    public Tensor Forward(Tensor input, Tensor? bias)
    {
        if (input.Rank != 3 || input.Shape[2] != NumHeads * HeadDim)
            throw new ArgumentException($"Attention: input {ShapeUtil.Format(input.Shape)} is not [B, N, {NumHeads * HeadDim}]");
        var (q, k, v) = Heads(input);
        var o = Ops.ScaledDotProductAttention(q, k, v, bias: bias);
        _projDrop.Train(Training);
        return _projDrop.Forward(Proj.Forward(o.Transpose(1, 2).Reshape(input.Shape)));
    }

    /// <summary>The attention probabilities [B, H, N, N] of each head (unfused path), for attention maps.</summary>
    public Tensor Probabilities(Tensor input, Tensor? bias = null)
    {
        var (q, k, v) = Heads(input);
        Ops.AttentionUnfused(q, k, v, null, bias, null, false, out var probs);
        return probs;
    }
}
