using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// A 2-d batch norm as it normalizes with its running statistics (eval mode, or always when frozen):
/// y = (x - running_mean) / sqrt(running_var + eps) * weight + bias, per channel. What
/// <see cref="ConvBnFusion"/> folds into the convolution before it.
/// </summary>
public interface IBatchNormStats
{
    /// <summary>[C]</summary>
    Tensor Weight { get; }

    /// <summary>[C]</summary>
    Tensor Bias { get; }

    /// <summary>[C]</summary>
    Tensor RunningMean { get; }

    /// <summary>[C]</summary>
    Tensor RunningVar { get; }

    float Eps { get; }

    /// <summary>True when the norm normalizes with <see cref="RunningMean"/> and <see cref="RunningVar"/> now (not with batch statistics).</summary>
    bool UsesRunningStats { get; }
}
