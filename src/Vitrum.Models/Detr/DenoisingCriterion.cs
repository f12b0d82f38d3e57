// DN-DETR: Accelerate DETR Training by Introducing Query DeNoising (Li et al. 2022): the reconstruction loss of its
// denoising queries (IDEA-Research/DN-DETR, dn_components.py's compute_dn_loss), with DETR's terms and weights.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>The reconstruction terms of one decoder layer's denoising queries.</summary>
/// <param name="LossCe">[] cross-entropy of the real queries against their clean labels</param>
/// <param name="LossBbox">[] L1 distance to the clean boxes, divided by the number of real queries</param>
/// <param name="LossGiou">[] 1 - GIoU with the clean boxes, divided by the number of real queries</param>
public sealed record DenoisingLossTerms(Tensor LossCe, Tensor LossBbox, Tensor LossGiou);

/// <summary>
/// DN-DETR's loss: each real denoising query (no matching: it answers for the target it was noised from) against its
/// target's clean label (cross-entropy, averaged) and box (L1 and 1 - GIoU, divided by the number of real queries),
/// for the final and every auxiliary decoder output, weighted as <see cref="SetCriterion"/> weighs DETR's terms.
/// </summary>
public sealed class DenoisingCriterion(float ceLossCoef = 1, float bboxLossCoef = 5, float giouLossCoef = 2)
{
    /// <summary>The weighted sum over every decoder layer, and the final layer's terms.</summary>
    /// <param name="denoised">the denoising queries' outputs, [B * groups, slots, ...] (<see cref="DetrModel.ForwardDenoising"/>)</param>
    /// <exception cref="ArgumentException">outputs of another shape than the queries'</exception>
    public (Tensor Total, DenoisingLossTerms Final) Forward(DetrOutput denoised, DenoisingQueries dn)
    {
        var (rows, slots, classes) = denoised.Check("DenoisingCriterion");
        if (rows != dn.Batch * dn.Groups || slots != dn.Slots)
            throw new ArgumentException($"DenoisingCriterion: outputs {ShapeUtil.Format(denoised.PredLogits.Shape)} for {dn.Batch * dn.Groups} rows of {dn.Slots} denoising queries");
        var final = Terms(denoised, dn, classes);
        Tensor total = Weighted(final);
        foreach (var aux in denoised.AuxOutputs) total = Ops.Add(total, Weighted(Terms(aux, dn, classes)));
        return (total, final);
    }

    private Tensor Weighted(DenoisingLossTerms t) =>
        Ops.Add(Ops.Add(Ops.Mul(t.LossCe, ceLossCoef), Ops.Mul(t.LossBbox, bboxLossCoef)), Ops.Mul(t.LossGiou, giouLossCoef));

    private static DenoisingLossTerms Terms(DetrOutput o, DenoisingQueries dn, int classes)
    {
        int n = dn.Real.Length;
        if (n == 0)
        {
            var zero = Ops.Mul(Ops.Sum(o.PredBoxes), 0f);
            return new DenoisingLossTerms(zero, zero, zero);
        }
        var real = Tensor.FromLongs(dn.Real, n);
        var logits = Ops.IndexSelect(o.PredLogits.Reshape(-1, classes), 0, real);
        var ce = Ops.CrossEntropy(logits, dn.TargetLabels);
        var boxes = Ops.IndexSelect(o.PredBoxes.Reshape(-1, 4), 0, real);
        var l1 = Ops.Div(Losses.L1Loss(boxes, dn.TargetBoxes, Reduction.Sum), n);
        var pairwise = BoxOps.GeneralizedBoxIou(BoxOps.BoxCxcywhToXyxy(boxes), BoxOps.BoxCxcywhToXyxy(dn.TargetBoxes));
        var diagonal = Ops.IndexSelect(pairwise.Reshape(-1), 0, Tensor.FromLongs(Enumerable.Range(0, n).Select(k => (long)k * (n + 1)).ToArray(), n));
        var giou = Ops.Div(Ops.Sum(Ops.Add(Ops.Neg(diagonal), 1f)), n);
        return new DenoisingLossTerms(ce, l1, giou);
    }
}
