// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); the input contract of
// facebookresearch/detr's util/misc.py NestedTensor.
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Detr;

/// <summary>
/// Images of different sizes in one batch, as DETR's NestedTensor: each image top-left in a zero canvas of the batch's
/// largest height and width, and a mask that marks the canvas outside it (nonzero = padding). Without a mask nothing
/// is padding.
/// </summary>
/// <param name="Images">Float32 [B, C, H, W]</param>
/// <param name="Mask">[B, H, W] Int64 or Float32, nonzero = padding; or null</param>
public sealed record ImageBatch(Tensor Images, Tensor? Mask = null)
{
    /// <summary>
    /// DETR's nested_tensor_from_tensor_list: images [C, H_i, W_i] copied into a zero [B, C, max H, max W] canvas, the
    /// mask 1 outside each image.
    /// </summary>
    /// <exception cref="ArgumentException">no images, or images that are not Float32 [C, H, W] with one channel count</exception>
    public static ImageBatch Pad(IReadOnlyList<Tensor> images)
    {
        if (images.Count == 0) throw new ArgumentException("ImageBatch.Pad: no images");
        for (int i = 0; i < images.Count; i++)
            if (images[i].DType != DType.Float32 || images[i].Rank != 3 || images[i].Shape[0] != images[0].Shape[0] || images[i].Numel == 0)
                throw new ArgumentException($"ImageBatch.Pad: image {i} is {images[i].DType} {ShapeUtil.Format(images[i].Shape)}, expected a non-empty Float32 [C, H, W] with C = {images[0].Shape[0]} as image 0");
        int b = images.Count, c = images[0].Shape[0], h = images.Max(x => x.Shape[1]), w = images.Max(x => x.Shape[2]);
        var pixels = new float[b * c * h * w];
        var mask = new long[b * h * w];
        Array.Fill(mask, 1L);
        for (int n = 0; n < b; n++)
        {
            var src = images[n].Contiguous().ToArray();
            int ih = images[n].Shape[1], iw = images[n].Shape[2];
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < ih; y++)
                    Array.Copy(src, (ch * ih + y) * iw, pixels, ((n * c + ch) * h + y) * w, iw);
            for (int y = 0; y < ih; y++) Array.Fill(mask, 0L, (n * h + y) * w, iw);
        }
        return new ImageBatch(Tensor.FromArray(pixels, b, c, h, w), Tensor.FromLongs(mask, b, h, w));
    }

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
