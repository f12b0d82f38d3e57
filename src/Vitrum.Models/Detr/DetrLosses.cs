// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); the loss dict of
// facebookresearch/detr's SetCriterion (models/detr.py) and the weighted sum of its engine.py.
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// The loss terms of one decoder output (DETR's loss_labels, loss_boxes and loss_cardinality) and the matching they
/// were computed on.
/// </summary>
/// <param name="LossCe">[] weighted cross-entropy over all queries, "no object" weighted eos_coef</param>
/// <param name="LossBbox">[] L1 distance of the matched boxes, divided by the number of target boxes</param>
/// <param name="LossGiou">[] 1 - GIoU of the matched boxes, divided by the number of target boxes</param>
/// <param name="CardinalityError">mean over images of |predicted objects - target objects| (logged, no gradient)</param>
/// <param name="ClassError">100 - top-1 accuracy (%) of the matched queries; only for the final output (DETR logs it there)</param>
public sealed record DetrLossTerms(Tensor LossCe, Tensor LossBbox, Tensor LossGiou, double CardinalityError, double? ClassError,
    IReadOnlyList<MatchIndices> Indices);

/// <summary>What <see cref="SetCriterion.Forward"/> returns: the terms of the final and of every auxiliary output, and their weighted sum.</summary>
/// <param name="Total">[] the sum of every weighted term, to back-propagate</param>
public sealed record DetrLosses(Tensor Total, DetrLossTerms Final, IReadOnlyList<DetrLossTerms> Aux)
{
    /// <summary>
    /// The terms under DETR's names and in its order (loss_ce, class_error, loss_bbox, loss_giou, cardinality_error,
    /// then loss_ce_0, loss_bbox_0, ... for auxiliary output 0), unweighted, for logs and metrics.
    /// </summary>
    public IEnumerable<(string Key, double Value)> Named()
    {
        for (int i = -1; i < Aux.Count; i++)
        {
            var t = i < 0 ? Final : Aux[i];
            string suffix = i < 0 ? "" : $"_{i}";
            yield return ("loss_ce" + suffix, t.LossCe.Item());
            if (t.ClassError is double classError) yield return ("class_error" + suffix, classError);
            yield return ("loss_bbox" + suffix, t.LossBbox.Item());
            yield return ("loss_giou" + suffix, t.LossGiou.Item());
            yield return ("cardinality_error" + suffix, t.CardinalityError);
        }
    }
}
