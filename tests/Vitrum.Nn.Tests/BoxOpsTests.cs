using Vitrum.Nn.Tests.Support;
using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>DETR's box utilities against PyTorch (tests/fixtures/nn/boxes.json, tools/fixtures/gen_boxes.py) and finite differences.</summary>
public class BoxOpsTests
{
    public static TheoryData<string> Cases() => new(NnFixtures.Cases("boxes").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Box_op_matches_detr_forward_and_gradients(string name)
    {
        var c = NnFixtures.Get("boxes", name);
        Func<Tensor[], Tensor> f = c.Op switch
        {
            "cxcywh_to_xyxy" => x => BoxOps.BoxCxcywhToXyxy(x[0]),
            "xyxy_to_cxcywh" => x => BoxOps.BoxXyxyToCxcywh(x[0]),
            "box_area" => x => BoxOps.BoxArea(x[0]),
            "box_iou" => x => BoxOps.BoxIou(x[0], x[1]).Iou,
            "box_iou_union" => x => BoxOps.BoxIou(x[0], x[1]).Union,
            "generalized_box_iou" => x => BoxOps.GeneralizedBoxIou(x[0], x[1]),
            "generalized_box_iou_cxcywh" => x => BoxOps.GeneralizedBoxIou(BoxOps.BoxCxcywhToXyxy(x[0]), BoxOps.BoxCxcywhToXyxy(x[1])),
            _ => throw new InvalidOperationException($"no box op for fixture op {c.Op}"),
        };
        Fixture.Check(c, f, rtol: 1e-5, atol: 1e-6);
    }

    /// <summary>
    /// Boxes whose compared corners differ by at least 0.05 and whose overlaps are at least 0.05 from 0,
    /// so finite differences never step across a max/min switch or the clamp.
    /// </summary>
    private static Tensor[] SeparatedBoxes() => new[]
    {
        Tensor.FromArray(new[] { 0.10f, 0.20f, 0.60f, 0.70f, 0.30f, 0.05f, 0.90f, 0.45f, 0.70f, 0.65f, 0.95f, 0.98f }, 3, 4),
        Tensor.FromArray(new[] { 0.20f, 0.30f, 0.50f, 0.85f, 0.55f, 0.15f, 0.80f, 0.60f }, 2, 4),
    };

    [Fact]
    public void Generalized_box_iou_gradients_match_finite_differences()
    {
        GradCheck.Check(x => BoxOps.GeneralizedBoxIou(x[0], x[1]), SeparatedBoxes(), eps: 1e-2);
    }

    [Fact]
    public void Box_iou_and_union_gradients_match_finite_differences()
    {
        GradCheck.Check(x => BoxOps.BoxIou(x[0], x[1]).Iou, SeparatedBoxes());
        GradCheck.Check(x => BoxOps.BoxIou(x[0], x[1]).Union, SeparatedBoxes());
    }

    [Fact]
    public void Box_conversions_and_area_gradients_match_finite_differences()
    {
        GradCheck.Check(x => BoxOps.BoxCxcywhToXyxy(x[0]), new[] { GradCheck.Rand(1, 2, 3, 4) });
        GradCheck.Check(x => BoxOps.BoxXyxyToCxcywh(x[0]), new[] { GradCheck.Rand(2, 5, 4) });
        GradCheck.Check(x => BoxOps.BoxArea(x[0]), new[] { GradCheck.Rand(3, 5, 4) });
    }

    [Fact]
    public void Conversions_are_inverse_and_giou_of_a_box_with_itself_is_one()
    {
        var cxcywh = Tensor.FromArray(new[] { 0.5f, 0.4f, 0.2f, 0.6f, 0.3f, 0.7f, 0.1f, 0.2f }, 2, 4);
        var xyxy = BoxOps.BoxCxcywhToXyxy(cxcywh);
        GradCheck.Close(new[] { 0.4f, 0.1f, 0.6f, 0.7f, 0.25f, 0.6f, 0.35f, 0.8f }, xyxy.ToArray(), 1e-6, 1e-6, "xyxy");
        GradCheck.Close(cxcywh.ToArray(), BoxOps.BoxXyxyToCxcywh(xyxy).ToArray(), 1e-6, 1e-6, "round trip");
        var giou = BoxOps.GeneralizedBoxIou(xyxy, xyxy).ToArray();
        Assert.Equal(1f, giou[0], 6);
        Assert.Equal(1f, giou[3], 6);
        // Disjoint boxes: iou 0, so giou = -(enclosing - union) / enclosing < 0.
        Assert.True(giou[1] < 0);
    }

    [Fact]
    public void Generalized_box_iou_rejects_degenerate_boxes_as_detr_asserts()
    {
        var good = Tensor.FromArray(new[] { 0.1f, 0.1f, 0.5f, 0.5f }, 1, 4);
        var flippedX = Tensor.FromArray(new[] { 0.1f, 0.1f, 0.5f, 0.5f, 0.6f, 0.2f, 0.4f, 0.3f }, 2, 4);
        var e = Assert.Throws<ArgumentException>(() => BoxOps.GeneralizedBoxIou(flippedX, good));
        Assert.Contains("GeneralizedBoxIou: boxes1 [2, 4] has a degenerate box at row 1", e.Message);
        var flippedY = Tensor.FromArray(new[] { 0.1f, 0.5f, 0.5f, 0.1f }, 1, 4);
        e = Assert.Throws<ArgumentException>(() => BoxOps.GeneralizedBoxIou(good, flippedY));
        Assert.Contains("boxes2 [1, 4] has a degenerate box at row 0", e.Message);
        var nan = Tensor.FromArray(new[] { float.NaN, 0.1f, 0.5f, 0.5f }, 1, 4);
        Assert.Throws<ArgumentException>(() => BoxOps.GeneralizedBoxIou(nan, good));
    }

    [Fact]
    public void Box_ops_reject_boxes_without_four_coordinates()
    {
        var e = Assert.Throws<ArgumentException>(() => BoxOps.BoxIou(Tensor.Zeros(3, 4), Tensor.Zeros(2, 5)));
        Assert.Contains("BoxIou", e.Message);
        Assert.Contains("[2, 5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => BoxOps.GeneralizedBoxIou(Tensor.Zeros(2, 3, 4), Tensor.Zeros(2, 4)));
        Assert.Contains("[2, 3, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => BoxOps.BoxCxcywhToXyxy(Tensor.Zeros(5, 3)));
        Assert.Contains("BoxCxcywhToXyxy: boxes must be Float32 [..., 4], got Float32 [5, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => BoxOps.BoxArea(Tensor.LongZeros(2, 4)));
    }
}
