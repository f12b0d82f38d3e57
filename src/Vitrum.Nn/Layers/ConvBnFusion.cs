using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// Folds a batch norm that normalizes with its running statistics into the convolution before it, as
/// torch.nn.utils.fusion.fuse_conv_bn_weights: conv(x, w') + b' = bn(conv(x, w) + b) with
/// w' = w * s (per output channel), b' = (b - running_mean) * s + bias and s = weight / sqrt(running_var + eps).
/// Built from ops, so gradients reach the convolution's and the norm's parameters when they are on.
/// </summary>
public static class ConvBnFusion
{
    /// <param name="convWeight">[Cout, Cin / groups, kh, kw]</param>
    /// <param name="convBias">[Cout] or null (zero)</param>
    /// <param name="runningMean">[Cout]</param>
    /// <param name="runningVar">[Cout]</param>
    /// <param name="weight">[Cout], the norm's scale</param>
    /// <param name="bias">[Cout], the norm's shift</param>
    /// <returns>the fused weight [Cout, Cin / groups, kh, kw] and bias [Cout]</returns>
    /// <exception cref="ArgumentException">a norm vector is not [Cout]</exception>
    public static (Tensor Weight, Tensor Bias) FuseWeights(Tensor convWeight, Tensor? convBias, Tensor runningMean, Tensor runningVar,
        float eps, Tensor weight, Tensor bias)
    {
        if (convWeight.Rank != 4)
            throw new ArgumentException($"ConvBnFusion: the convolution weight {ShapeUtil.Format(convWeight.Shape)} is not [Cout, Cin / groups, kh, kw]");
        int cout = convWeight.Shape[0];
        foreach (var (name, t) in new[] { ("conv bias", convBias), ("running_mean", runningMean), ("running_var", runningVar), ("weight", weight), ("bias", bias) })
            if (t != null && (t.Rank != 1 || t.Shape[0] != cout))
                throw new ArgumentException($"ConvBnFusion: the norm's {name} {ShapeUtil.Format(t.Shape)} does not match the {cout} output channels of the convolution weight {ShapeUtil.Format(convWeight.Shape)}");
        var scale = Ops.Mul(weight, Ops.Rsqrt(Ops.Add(runningVar, eps)));
        var fusedWeight = Ops.Mul(convWeight, scale.Reshape(cout, 1, 1, 1));
        var centred = convBias == null ? Ops.Neg(runningMean) : Ops.Sub(convBias, runningMean);
        return (fusedWeight, Ops.Add(Ops.Mul(centred, scale), bias));
    }

    /// <summary>The fused weight and bias of <paramref name="conv"/> followed by <paramref name="norm"/> with its running statistics.</summary>
    /// <exception cref="ArgumentException">the norm's channels differ from the convolution's outputs</exception>
    public static (Tensor Weight, Tensor Bias) Fuse(Conv2d conv, IBatchNormStats norm) =>
        FuseWeights(conv.Weight, conv.Bias, norm.RunningMean, norm.RunningVar, norm.Eps, norm.Weight, norm.Bias);
}
