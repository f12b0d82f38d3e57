// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); the input contract of
// facebookresearch/detr's util/misc.py NestedTensor.
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// Images of different sizes in one batch, as DETR's NestedTensor: each image top-left in a zero canvas of the batch's
/// largest height and width, and a mask that marks the canvas outside it (nonzero = padding), as the data layer's
/// DetectionBatch.Collate pads them. Without a mask nothing is padding.
/// </summary>
/// <param name="Images">Float32 [B, C, H, W]</param>
/// <param name="Mask">[B, H, W] Int64 or Float32, nonzero = padding; or null</param>
public sealed record ImageBatch(Tensor Images, Tensor? Mask = null)
{
    /// <summary>Checks the shapes and returns the padding flags [B * H * W] (all false without a mask).</summary>
    /// <param name="channels">the channels the model takes</param>
    internal bool[] CheckedPadding(string who, int channels)
    {
        if (Images.DType != DType.Float32 || Images.Rank != 4 || Images.Shape[1] != channels || Images.Numel == 0)
            throw new ArgumentException($"{who}: images are {Images.DType} {ShapeUtil.Format(Images.Shape)}, expected a non-empty Float32 [B, {channels}, H, W]");
        int b = Images.Shape[0], h = Images.Shape[2], w = Images.Shape[3];
        if (Mask == null) return new bool[b * h * w];
        if (Mask.Rank != 3 || Mask.Shape[0] != b || Mask.Shape[1] != h || Mask.Shape[2] != w)
            throw new ArgumentException($"{who}: mask {ShapeUtil.Format(Mask.Shape)} is not [{b}, {h}, {w}] (batch, height, width of the images {ShapeUtil.Format(Images.Shape)})");
        var padding = Mask.DType == DType.Int64
            ? Array.ConvertAll(Mask.Contiguous().ToLongArray(), v => v != 0)
            : Array.ConvertAll(Mask.Contiguous().ToArray(), v => v != 0);
        for (int n = 0; n < b; n++)
            if (padding.AsSpan(n * h * w, h * w).IndexOf(false) < 0)
                throw new ArgumentException($"{who}: the mask marks every pixel of image {n} as padding; an image needs at least one pixel");
        return padding;
    }
}
