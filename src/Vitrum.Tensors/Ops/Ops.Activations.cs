using System.Numerics.Tensors;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

/// <summary>How <see cref="Ops.Gelu"/> evaluates the normal CDF (PyTorch's <c>approximate</c> argument).</summary>
public enum GeluApproximation
{
    /// <summary>Exact: x/2 (1 + erf(x / sqrt 2)), the default of torch.nn.GELU.</summary>
    None,

    /// <summary>x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), torch.nn.GELU(approximate="tanh").</summary>
    Tanh,
}

public static partial class Ops
{
    /// <summary>max(x, 0); NaN stays NaN.</summary>
    public static Tensor Relu(Tensor x) => Pointwise<ReluOp, ReluGradOp>("Relu", x, saveOutput: true);

    public static Tensor Tanh(Tensor x)
    {
        var o = MapPrimitive("Tanh", x, TensorPrimitives.Tanh);
        return RecordPointwise<TanhGradOp>("Tanh", x, o, o);
    }

    /// <summary>1 / (1 + exp(-x)).</summary>
    public static Tensor Sigmoid(Tensor x)
    {
        var o = MapPrimitive("Sigmoid", x, TensorPrimitives.Sigmoid);
        return RecordPointwise<SigmoidGradOp>("Sigmoid", x, o, o);
    }

    /// <summary>x sigmoid(x) (also called swish).</summary>
    public static Tensor Silu(Tensor x) => Pointwise<SiluOp, SiluGradOp>("Silu", x, saveOutput: false);

    /// <summary>
    /// Gaussian error linear unit x Phi(x). The exact form evaluates erf with a vectorized polynomial
    /// (max abs error ~1e-7); <see cref="GeluApproximation.Tanh"/> gives PyTorch's tanh approximation.
    /// </summary>
    public static Tensor Gelu(Tensor x, GeluApproximation approximate = GeluApproximation.None) => approximate switch
    {
        GeluApproximation.None => Pointwise<GeluOp, GeluGradOp>("Gelu", x, saveOutput: false),
        GeluApproximation.Tanh => Pointwise<GeluTanhOp, GeluTanhGradOp>("Gelu", x, saveOutput: false),
        _ => throw new ArgumentException($"Gelu: unknown approximation {approximate} for input {ShapeUtil.Format(x.Shape)}"),
    };
}
