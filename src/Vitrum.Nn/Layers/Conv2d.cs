using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>torch.nn.Conv2d (zero padding): keys <c>weight</c> [out, in/groups, kh, kw] and <c>bias</c> [out].</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public Size2 Stride { get; }
    public Size2 Padding { get; }
    public Size2 Dilation { get; }
    public int Groups { get; }

    /// <summary>Initialized as PyTorch does: kaiming_uniform(a = sqrt(5)) weights, uniform(+-1/sqrt(fan_in)) bias.</summary>
    public Conv2d(int inChannels, int outChannels, Size2 kernelSize, Size2? stride = null, Size2? padding = null,
        Size2? dilation = null, int groups = 1, bool bias = true, Generator? gen = null)
    {
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: groups {groups} must divide in ({inChannels}) and out ({outChannels}) channels");
        (Stride, Padding, Dilation, Groups) = (stride ?? 1, padding ?? 0, dilation ?? 1, groups);
        gen ??= new Generator(0);
        Weight = RegisterParameter("weight", Init.KaimingUniform(NewTensor(outChannels, inChannels / groups, kernelSize.H, kernelSize.W), gen, Math.Sqrt(5)));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inChannels / groups * kernelSize.H * kernelSize.W);
            Bias = RegisterParameter("bias", Init.Uniform(NewTensor(outChannels), -bound, bound, gen));
        }
    }

    /// <param name="input">[N, in, H, W]</param>
    /// <returns>[N, out, H', W']</returns>
    public override Tensor Forward(Tensor input) => Ops.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}
