// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); facebookresearch/detr's PostProcess
// (models/detr.py), which turns the model's output into the detections COCO evaluation reads.
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Models.Detr;

/// <summary>One image's detections, one per query (DETR's result dict "scores", "labels", "boxes").</summary>
/// <param name="Scores">[Q] probability of the most likely object class</param>
/// <param name="Labels">Int64 [Q] that class</param>
/// <param name="Boxes">[Q, 4] (x0, y0, x1, y1) in pixels of the image size given</param>
public sealed record DetrDetections(Tensor Scores, Tensor Labels, Tensor Boxes);

/// <summary>
/// DETR's post-processing: softmax over the classes, "no object" dropped, the most likely remaining class and its
/// probability as label and score, and the boxes turned into corners scaled to each image's size. Every query gives
/// a detection; callers threshold the scores (DETR's demo keeps those above 0.7).
/// </summary>
public static class PostProcess
{
    /// <param name="targetSizes">[B, 2] (height, width) of each image, Int64 or Float32: the original size for
    /// evaluation, the size after augmentation but before padding for drawing</param>
    public static IReadOnlyList<DetrDetections> Forward(DetrOutput outputs, Tensor targetSizes)
    {
        const string who = "PostProcess";
        var (batch, _, classes) = outputs.Check(who);
        if (targetSizes.Rank != 2 || targetSizes.Shape[0] != batch || targetSizes.Shape[1] != 2)
            throw new ArgumentException($"{who}: target sizes {ShapeUtil.Format(targetSizes.Shape)} must be [{batch}, 2], one (height, width) per image of pred_logits {ShapeUtil.Format(outputs.PredLogits.Shape)}");
        if (classes < 2)
            throw new ArgumentException($"{who}: pred_logits {ShapeUtil.Format(outputs.PredLogits.Shape)} has no object class besides \"no object\"");
        var sizes = targetSizes.DType == DType.Int64 ? Array.ConvertAll(targetSizes.ToLongArray(), v => (float)v) : targetSizes.ToArray();
        var scale = new float[batch * 4];
        for (int i = 0; i < batch; i++)
            (scale[4 * i], scale[4 * i + 1], scale[4 * i + 2], scale[4 * i + 3]) = (sizes[2 * i + 1], sizes[2 * i], sizes[2 * i + 1], sizes[2 * i]);

        using var _ = GradMode.NoGrad();
        var prob = Ops.Softmax(outputs.PredLogits, -1);
        var (scores, labels) = Ops.MaxWithIndices(prob.Narrow(2, 0, classes - 1), -1);
        var boxes = Ops.Mul(BoxOps.BoxCxcywhToXyxy(outputs.PredBoxes), Tensor.FromArray(scale, batch, 1, 4));
        return Enumerable.Range(0, batch).Select(i => new DetrDetections(scores.Select(0, i), labels.Select(0, i), boxes.Select(0, i))).ToArray();
    }
}
