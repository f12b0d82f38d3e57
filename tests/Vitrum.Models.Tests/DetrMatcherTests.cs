using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>HungarianMatcher against the official DETR matcher (tests/fixtures/detr/criterion.json) and against its cost formula.</summary>
public class DetrMatcherTests
{
    public static TheoryData<string> Cases() => new(DetrCriterionFixture.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matched_indices_equal_the_official_matcher_for_the_final_and_every_auxiliary_output(string name)
    {
        var f = DetrCriterionFixture.Get(name);
        var outputs = f.Outputs();
        var matcher = new HungarianMatcher();
        for (int k = -1; k < f.AuxCount; k++)
        {
            var matches = matcher.Forward(k < 0 ? outputs : outputs.AuxOutputs[k], f.Targets());
            var expected = f.Indices(k < 0 ? null : k);
            Assert.Equal(expected.Length, matches.Count);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Pred, matches[i].PredIndices);
                Assert.Equal(expected[i].Target, matches[i].TargetIndices);
            }
        }
    }

    /// <summary>Two queries, one target of class 1: the costs written out from DETR's definition in double precision.</summary>
    [Fact]
    public void Cost_is_weighted_negative_probability_plus_l1_minus_giou()
    {
        var logits = new[] { 0.5f, 2f, -1f, 0f, 0f, 1f };
        var boxes = new[] { 0.5f, 0.5f, 0.2f, 0.4f, 0.3f, 0.6f, 0.4f, 0.2f };
        var target = new DetrTarget(Tensor.FromLongs(new[] { 1L }, 1), Tensor.FromArray(new[] { 0.45f, 0.5f, 0.3f, 0.3f }, 1, 4));
        var matcher = new HungarianMatcher(costClass: 1.5f, costBbox: 5, costGiou: 2);
        var prob = Ops.Softmax(Tensor.FromArray(logits, 2, 3), -1);
        var pred = Tensor.FromArray(boxes, 2, 4);
        var cost = matcher.CostMatrix(prob, pred, Vitrum.Nn.BoxOps.BoxCxcywhToXyxy(pred), target).ToArray();

        double[] tb = { 0.45, 0.5, 0.3, 0.3 };
        for (int q = 0; q < 2; q++)
        {
            double p = Math.Exp(logits[3 * q + 1]) / Enumerable.Range(0, 3).Sum(c => Math.Exp(logits[3 * q + c]));
            double l1 = Enumerable.Range(0, 4).Sum(d => Math.Abs(boxes[4 * q + d] - tb[d]));
            double giou = Giou(Corners(boxes.Skip(4 * q).Take(4).Select(v => (double)v).ToArray()), Corners(tb));
            Assert.Equal(1.5 * -p + 5 * l1 + 2 * -giou, cost[q], 5);
        }
    }

    private static double[] Corners(double[] b) => new[] { b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2 };

    private static double Giou(double[] a, double[] b)
    {
        double Area(double[] r) => (r[2] - r[0]) * (r[3] - r[1]);
        double iw = Math.Max(0, Math.Min(a[2], b[2]) - Math.Max(a[0], b[0])), ih = Math.Max(0, Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]));
        double inter = iw * ih, union = Area(a) + Area(b) - inter;
        double hull = (Math.Max(a[2], b[2]) - Math.Min(a[0], b[0])) * (Math.Max(a[3], b[3]) - Math.Min(a[1], b[1]));
        return inter / union - (hull - union) / hull;
    }

    [Fact]
    public void Bad_targets_are_named_by_image()
    {
        var outputs = DetrCriterionFixture.Get("more_targets_than_queries").Outputs();
        var good = new DetrTarget(Tensor.FromLongs(new[] { 0L }, 1), Tensor.FromArray(new[] { 0.5f, 0.5f, 0.2f, 0.2f }, 1, 4));
        var matcher = new HungarianMatcher();
        var e = Assert.Throws<ArgumentException>(() => matcher.Forward(outputs, new[] { good }));
        Assert.Contains("HungarianMatcher: 1 targets for a batch of 2 images", e.Message);
        var farLabel = good with { Labels = Tensor.FromLongs(new[] { 5L }, 1) };
        e = Assert.Throws<ArgumentException>(() => matcher.Forward(outputs, new[] { good, farLabel }));
        Assert.Contains("target 1 has label 5 at index 0, expected a class id in [0, 5)", e.Message);
        var noBoxes = good with { Boxes = Tensor.Zeros(1, 3) };
        e = Assert.Throws<ArgumentException>(() => matcher.Forward(outputs, new[] { noBoxes, good }));
        Assert.Contains("target 0 must have Int64 labels [T] and Float32 boxes [T, 4], got Int64 [1] and Float32 [1, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => new HungarianMatcher(0, 0, 0));
        Assert.Contains("all three costs are 0", e.Message);
    }
}
