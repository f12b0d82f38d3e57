using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Tnt;

/// <summary>
/// TNT's multi-head self-attention (timm's tnt.Attention): queries and keys from one projection (<c>qk</c>
/// [2C, C]), values from another (<c>v</c> [C, C]), then <c>proj</c>; the engine's fused self-attention on the
/// packed projections in between.
/// </summary>
public sealed class TntAttention : Module<Tensor, Tensor>
{
    public Linear Qk { get; }
    public Linear V { get; }
    public Linear Proj { get; }
    public int NumHeads { get; }

    public TntAttention(int dim, int numHeads, bool qkvBias, Generator gen)
    {
        NumHeads = numHeads;
        Qk = RegisterModule("qk", new Linear(dim, 2 * dim, qkvBias, gen));
        V = RegisterModule("v", new Linear(dim, dim, qkvBias, gen));
        Proj = RegisterModule("proj", new Linear(dim, dim, true, gen));
    }

    /// <param name="input">[B, N, C]</param>
    /// <returns>[B, N, C]</returns>
    public override Tensor Forward(Tensor input)
    {
        // The fused kernel reads the heads where the projections put them and merges them on output.
        return Proj.Forward(Ops.SelfAttention(Qk.Forward(input), V.Forward(input), NumHeads));
    }

    /// <summary>The attention probabilities [B, H, N, N] of each head (the unfused path), for attention maps.</summary>
    /// <param name="input">[B, N, C]</param>
    public Tensor Probabilities(Tensor input)
    {
        int b = input.Shape[0], n = input.Shape[1], d = input.Shape[2] / NumHeads;
        var qk = Qk.Forward(input).Reshape(b, n, 2, NumHeads, d).Permute(2, 0, 3, 1, 4);   // [2, B, H, N, d]
        var v = V.Forward(input).Reshape(b, n, NumHeads, d).Permute(0, 2, 1, 3);          // [B, H, N, d]
        Ops.AttentionUnfused(qk.Select(0, 0), qk.Select(0, 1), v, null, null, null, false, out var probs);
        return probs;
    }
}
