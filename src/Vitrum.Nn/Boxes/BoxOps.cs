using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// Box utilities of DETR (Carion et al. 2020), as facebookresearch/detr util/box_ops.py and torchvision's
/// box_area: pure functions composed from engine ops, so gradients flow to every box coordinate (the
/// generalized IoU is a DETR loss term). Boxes are [x0, y0, x1, y1] ("xyxy") or [cx, cy, w, h] ("cxcywh")
/// in the last dim.
/// </summary>
public static class BoxOps
{
    /// <param name="boxes">[..., 4] as (cx, cy, w, h)</param>
    /// <returns>[..., 4] as (x0, y0, x1, y1)</returns>
    public static Tensor BoxCxcywhToXyxy(Tensor boxes)
    {
        var (cx, cy, w, h) = Unbind("BoxCxcywhToXyxy", boxes);
        var halfW = Ops.Mul(w, 0.5f);
        var halfH = Ops.Mul(h, 0.5f);
        return Ops.Stack(new[] { Ops.Sub(cx, halfW), Ops.Sub(cy, halfH), Ops.Add(cx, halfW), Ops.Add(cy, halfH) }, boxes.Rank - 1);
    }

    /// <param name="boxes">[..., 4] as (x0, y0, x1, y1)</param>
    /// <returns>[..., 4] as (cx, cy, w, h)</returns>
    public static Tensor BoxXyxyToCxcywh(Tensor boxes)
    {
        var (x0, y0, x1, y1) = Unbind("BoxXyxyToCxcywh", boxes);
        return Ops.Stack(new[] { Ops.Mul(Ops.Add(x0, x1), 0.5f), Ops.Mul(Ops.Add(y0, y1), 0.5f), Ops.Sub(x1, x0), Ops.Sub(y1, y0) }, boxes.Rank - 1);
    }

    /// <summary>(x1 - x0) * (y1 - y0), as torchvision.ops.box_area.</summary>
    /// <param name="boxes">[..., 4] as (x0, y0, x1, y1)</param>
    /// <returns>[...]</returns>
    public static Tensor BoxArea(Tensor boxes)
    {
        var (x0, y0, x1, y1) = Unbind("BoxArea", boxes);
        return Ops.Mul(Ops.Sub(x1, x0), Ops.Sub(y1, y0));
    }

    /// <summary>Pairwise intersection over union, and the union areas (DETR's box_iou).</summary>
    /// <param name="boxes1">[N, 4] as (x0, y0, x1, y1)</param>
    /// <param name="boxes2">[M, 4] as (x0, y0, x1, y1)</param>
    /// <returns>iou [N, M] and union [N, M]</returns>
    public static (Tensor Iou, Tensor Union) BoxIou(Tensor boxes1, Tensor boxes2)
    {
        CheckPairwise("BoxIou", boxes1, boxes2);
        var inter = PairwiseArea(boxes1, boxes2, enclosing: false);
        var union = Ops.Sub(Ops.Add(BoxArea(boxes1).Unsqueeze(1), BoxArea(boxes2)), inter);
        return (Ops.Div(inter, union), union);
    }

    /// <summary>
    /// Pairwise generalized IoU (Rezatofighi et al. 2019): iou - (enclosing area - union) / enclosing area,
    /// as DETR's generalized_box_iou. Like DETR (which asserts it), refuses a box with x1 &lt; x0 or
    /// y1 &lt; y0, since it would give a meaningless value.
    /// </summary>
    /// <param name="boxes1">[N, 4] as (x0, y0, x1, y1)</param>
    /// <param name="boxes2">[M, 4] as (x0, y0, x1, y1)</param>
    /// <returns>[N, M], in [-1, 1]</returns>
    public static Tensor GeneralizedBoxIou(Tensor boxes1, Tensor boxes2)
    {
        const string op = "GeneralizedBoxIou";
        CheckPairwise(op, boxes1, boxes2);
        CheckNotDegenerate(op, "boxes1", boxes1);
        CheckNotDegenerate(op, "boxes2", boxes2);
        var (iou, union) = BoxIou(boxes1, boxes2);
        var enclosing = PairwiseArea(boxes1, boxes2, enclosing: true);
        return Ops.Sub(iou, Ops.Div(Ops.Sub(enclosing, union), enclosing));
    }

    /// <summary>
    /// [N, M] areas of the intersections (or, with <paramref name="enclosing"/>, of the smallest enclosing
    /// boxes) of every pair; an empty intersection has area 0.
    /// </summary>
    private static Tensor PairwiseArea(Tensor boxes1, Tensor boxes2, bool enclosing)
    {
        var lo1 = boxes1.Narrow(1, 0, 2).Unsqueeze(1);
        var hi1 = boxes1.Narrow(1, 2, 2).Unsqueeze(1);
        var lo2 = boxes2.Narrow(1, 0, 2);
        var hi2 = boxes2.Narrow(1, 2, 2);
        var lt = enclosing ? Ops.Minimum(lo1, lo2) : Ops.Maximum(lo1, lo2);
        var rb = enclosing ? Ops.Maximum(hi1, hi2) : Ops.Minimum(hi1, hi2);
        var wh = Ops.Clamp(Ops.Sub(rb, lt), min: 0f);
        return Ops.Mul(wh.Select(2, 0), wh.Select(2, 1));
    }

    private static (Tensor, Tensor, Tensor, Tensor) Unbind(string op, Tensor boxes)
    {
        if (boxes.DType != DType.Float32 || boxes.Rank == 0 || boxes.Shape[^1] != 4)
            throw new ArgumentException($"{op}: boxes must be Float32 [..., 4], got {boxes.DType} {ShapeUtil.Format(boxes.Shape)}");
        int last = boxes.Rank - 1;
        return (boxes.Select(last, 0), boxes.Select(last, 1), boxes.Select(last, 2), boxes.Select(last, 3));
    }

    private static void CheckPairwise(string op, Tensor boxes1, Tensor boxes2)
    {
        foreach (var b in new[] { boxes1, boxes2 })
            if (b.DType != DType.Float32 || b.Rank != 2 || b.Shape[1] != 4)
                throw new ArgumentException($"{op}: boxes must be Float32 [N, 4] and [M, 4], got {boxes1.DType} {ShapeUtil.Format(boxes1.Shape)} and {boxes2.DType} {ShapeUtil.Format(boxes2.Shape)}");
    }

    /// <summary>DETR's assert (boxes[:, 2:] &gt;= boxes[:, :2]).all(); NaN coordinates fail it too.</summary>
    private static void CheckNotDegenerate(string op, string name, Tensor boxes)
    {
        var v = boxes.ToArray();
        for (int i = 0; i < v.Length; i += 4)
            if (!(v[i + 2] >= v[i] && v[i + 3] >= v[i + 1]))
                throw new ArgumentException(
                    $"{op}: {name} {ShapeUtil.Format(boxes.Shape)} has a degenerate box at row {i / 4}: [{v[i]}, {v[i + 1]}, {v[i + 2]}, {v[i + 3]}] (need x1 >= x0 and y1 >= y0)");
    }
}
