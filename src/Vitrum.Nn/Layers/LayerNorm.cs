using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>torch.nn.LayerNorm over the last dims (keys <c>weight</c>, <c>bias</c>); timm's ViT uses eps 1e-6.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }
    public int[] NormalizedShape { get; }
    public float Eps { get; }

    public LayerNorm(int dim, float eps = 1e-5f, bool elementwiseAffine = true) : this(new[] { dim }, eps, elementwiseAffine) { }

    public LayerNorm(int[] normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
    {
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (!elementwiseAffine) return;
        Weight = RegisterParameter("weight", Init.Constant(NewTensor(normalizedShape), 1));
        Bias = RegisterParameter("bias", NewTensor(normalizedShape));
    }

    /// <param name="input">[..., *normalizedShape]</param>
    public override Tensor Forward(Tensor input) => Ops.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);
}
