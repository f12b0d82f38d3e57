// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); the output contract of
// facebookresearch/detr's models/detr.py.
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// What DETR predicts for a batch (the official model's output dict): for every object query, logits over
/// num_classes + 1 classes (the last is "no object") and a box as (cx, cy, w, h) relative to the image size. With
/// auxiliary decoding losses, <see cref="AuxOutputs"/> holds the same for every decoder layer before the last.
/// </summary>
/// <param name="PredLogits">[B, Q, num_classes + 1]</param>
/// <param name="PredBoxes">[B, Q, 4]</param>
public sealed record DetrOutput(Tensor PredLogits, Tensor PredBoxes)
{
    /// <summary>The outputs of decoder layers 0 .. L-2 (DETR's <c>aux_outputs</c>); empty without auxiliary losses.</summary>
    public IReadOnlyList<DetrOutput> AuxOutputs { get; init; } = Array.Empty<DetrOutput>();

    /// <summary>Batch size, queries and classes (num_classes + 1), after checking the shapes.</summary>
    internal (int Batch, int Queries, int Classes) Check(string who)
    {
        var (l, b) = (PredLogits, PredBoxes);
        if (l.DType != DType.Float32 || b.DType != DType.Float32 || l.Rank != 3 || b.Rank != 3 || b.Shape[2] != 4
            || l.Shape[0] != b.Shape[0] || l.Shape[1] != b.Shape[1] || l.Shape[0] < 1 || l.Shape[2] < 1)
            throw new ArgumentException(
                $"{who}: pred_logits must be Float32 [B, Q, num_classes + 1] (B >= 1) and pred_boxes Float32 [B, Q, 4], got {l.DType} {ShapeUtil.Format(l.Shape)} and {b.DType} {ShapeUtil.Format(b.Shape)}");
        for (int i = 0; i < AuxOutputs.Count; i++)
        {
            var aux = AuxOutputs[i];
            if (!ShapeUtil.SameShape(aux.PredLogits.Shape, l.Shape) || !ShapeUtil.SameShape(aux.PredBoxes.Shape, b.Shape))
                throw new ArgumentException(
                    $"{who}: aux_outputs[{i}] has pred_logits {ShapeUtil.Format(aux.PredLogits.Shape)} and pred_boxes {ShapeUtil.Format(aux.PredBoxes.Shape)}, expected those of the final output, {ShapeUtil.Format(l.Shape)} and {ShapeUtil.Format(b.Shape)}");
        }
        return (l.Shape[0], l.Shape[1], l.Shape[2]);
    }
}
