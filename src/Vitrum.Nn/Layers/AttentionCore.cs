using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>The attention product shared by <see cref="Attention"/> and <see cref="MultiheadAttention"/>.</summary>
internal static class AttentionCore
{
    /// <summary>
    /// softmax(q k^T / sqrt(d) + bias + mask) v, with <paramref name="drop"/> applied to the probabilities
    /// while it is training (timm's attn_drop, torch's MultiheadAttention dropout), inside the fused kernel.
    /// Only p = 1 (every probability dropped) runs the composed path.
    /// </summary>
    /// <param name="q">[B, H, Nq, d]</param>
    /// <param name="k">[B, H, Nk, d]</param>
    /// <param name="v">[B, H, Nk, dv]</param>
    /// <param name="mask">boolean mask (1 = take part) broadcastable to [B, H, Nq, Nk], or null</param>
    /// <param name="bias">additive term broadcastable to [B, H, Nq, Nk], or null</param>
    /// <returns>[B, H, Nq, dv]</returns>
    public static Tensor Run(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? bias, bool isCausal, Dropout drop)
    {
        if (!drop.Training || drop.P == 0) return Ops.ScaledDotProductAttention(q, k, v, mask, bias, isCausal: isCausal);
        if (drop.P < 1) return Ops.ScaledDotProductAttention(q, k, v, mask, bias, isCausal: isCausal, dropoutP: drop.P, generator: drop.RandomSource);
        Ops.AttentionUnfused(q, k, v, mask, bias, null, isCausal, out var probs);
        return Ops.MatMul(drop.Forward(probs), v);
    }
}
