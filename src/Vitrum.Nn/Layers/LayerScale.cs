using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>timm's LayerScale (Touvron et al. 2021, CaiT): x * gamma with a learned per-channel gamma (key <c>gamma</c>).</summary>
public sealed class LayerScale : Module<Tensor, Tensor>
{
    public Tensor Gamma { get; }

    public LayerScale(int dim, float initValues = 1e-5f)
    {
        Gamma = RegisterParameter("gamma", Init.Constant(NewTensor(dim), initValues));
    }

    /// <param name="input">[..., dim]</param>
    public override Tensor Forward(Tensor input)
    {
        LayerChecks.LastDim("LayerScale", input, Gamma.Shape[0]);
        return Ops.Mul(input, Gamma);
    }
}
