using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>y = x W^T + b, as torch.nn.Linear (keys <c>weight</c> [out, in], <c>bias</c> [out]).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    /// <summary>Initialized as PyTorch does: kaiming_uniform(a = sqrt(5)) weights, uniform(+-1/sqrt(in)) bias.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? gen = null)
    {
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentException($"Linear: features must be positive, got {inFeatures} -> {outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        gen ??= new Generator(0);
        Weight = RegisterParameter("weight", Init.KaimingUniform(NewTensor(outFeatures, inFeatures), gen, Math.Sqrt(5)));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            Bias = RegisterParameter("bias", Init.Uniform(NewTensor(outFeatures), -bound, bound, gen));
        }
    }

    /// <param name="input">[..., in]</param>
    /// <returns>[..., out]</returns>
    public override Tensor Forward(Tensor input)
    {
        LayerChecks.LastDim("Linear", input, InFeatures);
        return Ops.Linear(input, Weight, Bias);
    }
}
