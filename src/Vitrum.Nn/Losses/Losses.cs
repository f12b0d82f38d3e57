using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// Loss functions with PyTorch's (and timm's) definitions, composed from engine ops so that autograd
/// differentiates them: every argument that is a Float32 tensor requiring grad receives a gradient,
/// targets included. Class-index cross entropy is <see cref="Ops.CrossEntropy"/> itself.
/// </summary>
public static partial class Losses
{
    /// <summary>Requires Float32 input and target that broadcast together, as torch's elementwise losses.</summary>
    private static void CheckPair(string loss, Tensor input, Tensor target)
    {
        if (input.DType != DType.Float32 || target.DType != DType.Float32)
            throw new ArgumentException($"{loss}: input and target must be Float32, got {input.DType} {ShapeUtil.Format(input.Shape)} and {target.DType} {ShapeUtil.Format(target.Shape)}");
        ShapeUtil.Broadcast(loss, input.Shape, target.Shape);
    }

    /// <summary>PyTorch's <c>reduction</c>: the per-element losses themselves, their mean or their sum.</summary>
    private static Tensor Reduce(string loss, Tensor perElement, Reduction reduction) => reduction switch
    {
        Reduction.None => perElement,
        Reduction.Mean => Ops.Mean(perElement),
        Reduction.Sum => Ops.Sum(perElement),
        _ => throw new ArgumentException($"{loss}: unknown reduction {reduction}"),
    };
}
