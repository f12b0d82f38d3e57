// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); the target contract of
// facebookresearch/detr's models/matcher.py and SetCriterion.
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>The ground truth of one image as DETR's matcher and criterion read it (its target dict's "labels" and "boxes").</summary>
/// <param name="Labels">Int64 [T]: class ids in [0, num_classes)</param>
/// <param name="Boxes">Float32 [T, 4]: (cx, cy, w, h) relative to the image size</param>
public sealed record DetrTarget(Tensor Labels, Tensor Boxes)
{
    public int Count => Labels.Numel;

    /// <summary>Checks the shapes and that every label is below <paramref name="classes"/>; returns the labels.</summary>
    internal long[] CheckedLabels(string who, int image, int classes)
    {
        if (Labels.DType != DType.Int64 || Labels.Rank != 1 || Boxes.DType != DType.Float32 || Boxes.Rank != 2
            || Boxes.Shape[1] != 4 || Boxes.Shape[0] != Labels.Shape[0])
            throw new ArgumentException(
                $"{who}: target {image} must have Int64 labels [T] and Float32 boxes [T, 4], got {Labels.DType} {ShapeUtil.Format(Labels.Shape)} and {Boxes.DType} {ShapeUtil.Format(Boxes.Shape)}");
        var labels = Labels.ToLongArray();
        for (int k = 0; k < labels.Length; k++)
            if (labels[k] < 0 || labels[k] >= classes)
                throw new ArgumentException($"{who}: target {image} has label {labels[k]} at index {k}, expected a class id in [0, {classes})");
        return labels;
    }

    /// <summary>Checks that there is one target per image of the batch.</summary>
    internal static void CheckCount(string who, IReadOnlyList<DetrTarget> targets, int batch)
    {
        if (targets.Count != batch)
            throw new ArgumentException($"{who}: {targets.Count} targets for a batch of {batch} images; give one per image (an image without objects has empty labels and boxes)");
    }
}
