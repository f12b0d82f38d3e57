using Vitrum.Tensors;

namespace Vitrum.Nn;

public static partial class Losses
{
    /// <summary>
    /// timm's SoftTargetCrossEntropy (the loss of mixup/cutmix training): sum(-target * log_softmax(x), -1),
    /// averaged over all leading dims. The target need not sum to 1 and receives a gradient too. Runs the
    /// fused <see cref="Ops.CrossEntropy"/> on the rows [prod(leading), C].
    /// </summary>
    /// <param name="logits">[..., C]</param>
    /// <param name="target">[..., C], the shape of logits</param>
    /// <returns>[]</returns>
    public static Tensor SoftTargetCrossEntropy(Tensor logits, Tensor target)
    {
        if (logits.DType != DType.Float32 || target.DType != DType.Float32)
            throw new ArgumentException($"SoftTargetCrossEntropy: logits and target must be Float32, got {logits.DType} {ShapeUtil.Format(logits.Shape)} and {target.DType} {ShapeUtil.Format(target.Shape)}");
        if (logits.Rank == 0 || !ShapeUtil.SameShape(logits.Shape, target.Shape))
            throw new ArgumentException($"SoftTargetCrossEntropy: target {ShapeUtil.Format(target.Shape)} must have the shape of the logits {ShapeUtil.Format(logits.Shape)} (at least 1-D)");
        int classes = logits.Shape[^1];
        return Ops.CrossEntropy(logits.Reshape(-1, classes), target.Reshape(-1, classes), reduction: Reduction.Mean);
    }
}
