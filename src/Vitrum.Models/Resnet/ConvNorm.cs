using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Resnet;

/// <summary>
/// A convolution and the batch norm after it (torchvision's <c>conv1</c>/<c>bn1</c>, <c>downsample.0</c>/<c>downsample.1</c>),
/// registered by their owner under its names, with the norm optionally folded into the convolution for inference
/// (<see cref="ConvBnFusion"/>). The folded weights are a snapshot taken by <see cref="Fuse"/>, kept out of the state
/// dict; they replace the pair only in eval mode with gradients off, and a forward in training mode drops them,
/// because training is what changes the weights they were folded from.
/// </summary>
internal sealed class ConvNorm
{
    public Conv2d Conv { get; }
    public Module<Tensor, Tensor> Norm { get; }
    private readonly IBatchNormStats _stats;
    private Tensor? _weight, _bias;

    public ConvNorm(Conv2d conv, Module<Tensor, Tensor> norm)
    {
        Conv = conv;
        Norm = norm;
        _stats = norm as IBatchNormStats ?? throw new ArgumentException($"ConvNorm: {norm.GetType().Name} is not a batch norm with running statistics");
    }

    public bool IsFused => _weight != null;

    /// <summary>norm(conv(x)) (+ residual), then relu when asked; folded, the three are one pass (<see cref="Ops.Conv2dAddRelu"/>).</summary>
    /// <param name="x">[N, Cin, H, W]</param>
    /// <param name="residual">[N, Cout, H', W'] or null</param>
    /// <returns>[N, Cout, H', W']</returns>
    public Tensor Forward(Tensor x, Tensor? residual = null, bool relu = false)
    {
        if (_weight != null && !Conv.Training && !GradMode.IsEnabled && _stats.UsesRunningStats)
            return Ops.Conv2dAddRelu(x, _weight, _bias, residual, relu, Conv.Stride, Conv.Padding, Conv.Dilation, Conv.Groups);
        if (Conv.Training) Unfuse();
        var y = Norm.Forward(Conv.Forward(x));
        if (residual != null) y = Ops.Add(y, residual);
        return relu ? Ops.Relu(y) : y;
    }

    /// <summary>Folds the norm's current running statistics and affine parameters into a copy of the convolution's weights.</summary>
    public void Fuse()
    {
        Unfuse();
        using var _ = GradMode.NoGrad();
        // The snapshot outlives any caller's scope; the intermediate tensors of the fold do not.
        using var suppress = TensorScope.Suppress();
        using var scope = new TensorScope();
        var (weight, bias) = ConvBnFusion.Fuse(Conv, _stats);
        (_weight, _bias) = (weight.MoveToOuterScope(), bias.MoveToOuterScope());
    }

    /// <summary>Drops the folded snapshot: the pair runs as a convolution and a norm again.</summary>
    public void Unfuse()
    {
        _weight?.Dispose();
        _bias?.Dispose();
        (_weight, _bias) = (null, null);
    }
}
