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
}
