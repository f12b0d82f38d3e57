using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// timm's multi-head self-attention (vision_transformer.Attention) with one fused projection (keys
/// <c>qkv</c> [3C, C] and <c>proj</c>), running the engine's fused self-attention on the packed projection. The
/// optional additive bias is Swin's relative position bias / shift mask. Defaults are timm's: no qkv bias,
/// no dropout. Not sealed: Swin's window attention is this module plus its relative position table.
/// </summary>
public class Attention : Module<Tensor, Tensor>
{
    public Linear Qkv { get; }
    public Linear Proj { get; }
    public int NumHeads { get; }
    public int HeadDim { get; }
    private readonly Dropout _attnDrop, _projDrop;

    /// <param name="projDrop">dropout on the projected output (timm's proj_drop)</param>
    /// <param name="attnDrop">dropout on the attention probabilities (timm's attn_drop); while training with
    /// attnDrop &gt; 0 the unfused path runs</param>
    public Attention(int dim, int numHeads, bool qkvBias = false, float projDrop = 0, Generator? gen = null, float attnDrop = 0)
    {
        if (numHeads <= 0 || dim % numHeads != 0) throw new ArgumentException($"Attention: dim {dim} is not divisible by {numHeads} heads");
        gen ??= new Generator(0);
        (NumHeads, HeadDim) = (numHeads, dim / numHeads);
        Qkv = RegisterModule("qkv", new Linear(dim, 3 * dim, qkvBias, gen));
        _attnDrop = RegisterModule("attn_drop", new Dropout(attnDrop, gen));
        Proj = RegisterModule("proj", new Linear(dim, dim, true, gen));
        _projDrop = RegisterModule("proj_drop", new Dropout(projDrop, gen));
    }

    /// <summary>Splits [B, N, 3C] into q, k, v of [B, H, N, d] (views, no copies).</summary>
    private (Tensor Q, Tensor K, Tensor V) Heads(Tensor x)
    {
        if (x.Rank != 3 || x.Shape[2] != NumHeads * HeadDim)
            throw new ArgumentException($"Attention: input {ShapeUtil.Format(x.Shape)} is not [B, N, {NumHeads * HeadDim}]");
        int b = x.Shape[0], n = x.Shape[1];
        var qkv = Qkv.Forward(x).Reshape(b, n, 3, NumHeads, HeadDim).Permute(2, 0, 3, 1, 4);
        return (qkv.Select(0, 0), qkv.Select(0, 1), qkv.Select(0, 2));
    }

    /// <param name="input">[B, N, C]</param>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <param name="input">[B, N, C]</param>
    /// <param name="bias">additive attention bias broadcastable to [B, H, N, N]</param>
    /// <returns>[B, N, C]</returns>
    public Tensor Forward(Tensor input, Tensor? bias) => Forward(input, bias, null);

    /// <param name="input">[B, N, C]</param>
    /// <param name="bias">additive attention bias broadcastable to [B, H, N, N]</param>
    /// <param name="windowMask">additive [nW, N, N] that item b takes at b % nW (Swin's shift mask), or null</param>
    /// <returns>[B, N, C]</returns>
    protected Tensor Forward(Tensor input, Tensor? bias, Tensor? windowMask) => Forward(input, bias, windowMask, null);

    /// <summary>residual + attn(input); in inference the add runs inside the output projection's product.</summary>
    /// <param name="input">[B, N, C]</param>
    /// <param name="residual">[B, N, C]</param>
    /// <returns>[B, N, C]</returns>
    public Tensor ForwardResidual(Tensor input, Tensor residual) => Forward(input, null, null, residual);

    private Tensor Forward(Tensor input, Tensor? bias, Tensor? windowMask, Tensor? residual)
    {
        if (input.Rank != 3 || input.Shape[2] != NumHeads * HeadDim)
            throw new ArgumentException($"Attention: input {ShapeUtil.Format(input.Shape)} is not [B, N, {NumHeads * HeadDim}]");
        // The fused kernel works on the packed projection in place: no head split, no merge copy.
        var qkv = Qkv.Forward(input);
        var drop = _attnDrop;
        var o = !drop.Training || drop.P == 0
            ? Ops.SelfAttention(qkv, NumHeads, bias, windowMask)
            : drop.P < 1
                ? Ops.SelfAttention(qkv, NumHeads, bias, windowMask, drop.P, drop.RandomSource)
                // Every probability dropped: the attention outputs zeros and passes no gradient.
                : Ops.Mul(Ops.SelfAttention(qkv, NumHeads, bias, windowMask), 0f);
        qkv.DisposeIfNoGrad();
        var y = residual != null && _projDrop.IsIdentity ? Proj.Forward(o, gelu: false, residual) : _projDrop.Forward(Proj.Forward(o));
        o.DisposeIfNoGrad();
        return residual == null || _projDrop.IsIdentity ? y : Ops.Add(residual, y);
    }

    /// <summary>The attention probabilities [B, H, N, N] of each head (unfused path, before dropout), for attention maps.</summary>
    /// <param name="input">[B, N, C]</param>
    public Tensor Probabilities(Tensor input, Tensor? bias = null)
    {
        var (q, k, v) = Heads(input);
        Ops.AttentionUnfused(q, k, v, null, bias, null, false, out var probs);
        return probs;
    }
}
