using Vitrum.Tensors;

namespace Vitrum.Nn;

public static partial class Losses
{
    /// <summary>
    /// torch.nn.functional.l1_loss: |input - target| (target broadcast against input, as PyTorch does),
    /// reduced. The gradient of |d| at d = 0 is 0.
    /// </summary>
    /// <param name="input">[*]</param>
    /// <param name="target">broadcastable with input</param>
    /// <returns>[] for mean and sum; the broadcast shape for none</returns>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckPair("L1Loss", input, target);
        return Reduce("L1Loss", Ops.Abs(Ops.Sub(input, target)), reduction);
    }

    /// <summary>
    /// torch.nn.functional.smooth_l1_loss (Huber loss divided by beta): 0.5 d^2 / beta where |d| &lt; beta,
    /// |d| - 0.5 beta elsewhere, for d = input - target; beta = 0 is the L1 loss.
    /// </summary>
    /// <param name="input">[*]</param>
    /// <param name="target">broadcastable with input</param>
    /// <param name="beta">where the loss turns from quadratic to linear; non-negative</param>
    /// <returns>[] for mean and sum; the broadcast shape for none</returns>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, float beta = 1f, Reduction reduction = Reduction.Mean)
    {
        CheckPair("SmoothL1Loss", input, target);
        if (!(beta >= 0))
            throw new ArgumentException($"SmoothL1Loss: beta must be non-negative, got {beta} (input {ShapeUtil.Format(input.Shape)})");
        if (beta == 0) return L1Loss(input, target, reduction);
        var d = Ops.Sub(input, target);
        var a = Ops.Abs(d);
        var quadratic = Ops.Mul(Ops.Mul(d, d), 0.5f / beta);
        var linear = Ops.Sub(a, 0.5f * beta);
        return Reduce("SmoothL1Loss", Ops.Where(Ops.Lt(a, beta), quadratic, linear), reduction);
    }
}
