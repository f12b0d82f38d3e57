using Vitrum.Data.Coco;
using Vitrum.Training.Coco;
using Xunit;

namespace Vitrum.Training.Tests;

/// <summary>COCOeval's rules one at a time, on sets small enough to score by hand.</summary>
public class CocoEvalTests
{
    private static CocoDataset Gt(params CocoAnnotation[] annotations) =>
        new([new CocoImage(1, "a.jpg", 640, 480), new CocoImage(2, "b.jpg", 640, 480)], annotations,
            [new CocoCategory(1, "cat", null), new CocoCategory(2, "dog", "animal")], "gt.json");

    private static CocoAnnotation Object(long id, double x, double y, double w, double h, bool crowd = false, long image = 1) =>
        new(id, image, 1, new CocoBox(x, y, w, h), w * h, crowd, false);

    private static CocoDetection Det(double x, double y, double w, double h, double score, long image = 1, long category = 1) =>
        new(image, category, new CocoBox(x, y, w, h), score);

    /// <summary>Within 1e-12: COCOeval's precision is tp / (tp + fp + 2^-52), a hair below 1 when every detection is right.</summary>
    private static void AssertStats(double[] expected, CocoStats stats)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - stats.Values[i]) <= 1e-12, $"{CocoStats.Names[i]}: {stats.Values[i]:R}, expected {expected[i]}");
    }

    [Fact]
    public void Exact_detections_score_1_and_ranges_without_ground_truth_score_minus_1()
    {
        var r = CocoEvaluator.Evaluate(Gt(Object(1, 10, 10, 200, 200)), [Det(10, 10, 200, 200, 0.9)]);
        AssertStats([1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1, 1], r.Stats);
        Assert.Equal([(1L, "cat"), (2L, "dog")], r.PerCategory.Select(c => (c.CategoryId, c.Name)));
        Assert.Equal(1.0, r.PerCategory[0].Ap, 12);
        Assert.Equal(-1.0, r.PerCategory[1].Ap);
    }

    [Fact]
    public void Crowd_overlap_is_intersection_over_the_detection_area()
    {
        var crowd = new CocoBox(0, 0, 100, 100);
        Assert.Equal(1.0, CocoIou.Of(new CocoBox(10, 10, 20, 20), crowd, crowd: true));
        Assert.Equal(400.0 / 10_000, CocoIou.Of(new CocoBox(10, 10, 20, 20), crowd, crowd: false));
        Assert.Equal(50.0 / 150, CocoIou.Of(new CocoBox(5, 0, 10, 10), new CocoBox(0, 0, 10, 10), crowd: false));
        Assert.Equal(0.0, CocoIou.Of(new CocoBox(10, 0, 10, 10), new CocoBox(0, 0, 10, 10), crowd: false));
    }

    [Fact]
    public void A_detection_on_a_crowd_region_is_neither_a_true_nor_a_false_positive()
    {
        CocoDetection[] dets = [Det(250, 250, 50, 50, 0.9), Det(0, 0, 100, 100, 0.5)];
        var withCrowd = CocoEvaluator.Evaluate(Gt(Object(1, 0, 0, 100, 100), Object(2, 200, 200, 200, 200, crowd: true)), dets);
        var withoutCrowd = CocoEvaluator.Evaluate(Gt(Object(1, 0, 0, 100, 100)), dets);
        Assert.Equal(1.0, withCrowd.Stats.Ap, 12);
        Assert.Equal(1.0, withCrowd.Stats.Ar100, 12);
        Assert.True(withoutCrowd.Stats.Ap < 0.6, $"the same detection is a false positive without the crowd region: AP {withoutCrowd.Stats.Ap}");
    }

    [Fact]
    public void Tied_scores_keep_the_order_of_the_results_file()
    {
        // The loose box (IoU 0.6) and the exact one tie: the one listed first is ranked first and matches first.
        var gt = Gt(Object(1, 0, 0, 10, 10));
        var looseFirst = CocoEvaluator.Evaluate(gt, [Det(0, 0, 10, 6, 0.5), Det(0, 0, 10, 10, 0.5)]);
        var exactFirst = CocoEvaluator.Evaluate(gt, [Det(0, 0, 10, 10, 0.5), Det(0, 0, 10, 6, 0.5)]);
        Assert.Equal(0.5, looseFirst.Stats.Ap75, 12);
        Assert.Equal(1.0, exactFirst.Stats.Ap75, 12);
        Assert.Equal(1.0, looseFirst.Stats.Ap50, 12);
    }

    [Fact]
    public void Recall_counts_only_the_best_1_10_or_100_detections_of_an_image_and_category()
    {
        var dets = Enumerable.Range(0, 10).Select(i => Det(300 + i, 300, 20, 20, 0.9 - i * 0.01)).Append(Det(0, 0, 50, 50, 0.1)).ToArray();
        var r = CocoEvaluator.Evaluate(Gt(Object(1, 0, 0, 50, 50)), dets);
        Assert.Equal(0.0, r.Stats.Ar1);
        Assert.Equal(0.0, r.Stats.Ar10);
        Assert.Equal(1.0, r.Stats.Ar100);
    }

    [Fact]
    public void Without_detections_AP_and_AR_are_0_where_there_is_ground_truth()
    {
        var r = CocoEvaluator.Evaluate(Gt(Object(1, 0, 0, 50, 50), Object(2, 0, 0, 10, 10, image: 2)), []);
        AssertStats([0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, -1], r.Stats);
    }

    [Fact]
    public void Detections_of_unlisted_categories_are_left_out_and_counted_and_unknown_images_are_refused()
    {
        var gt = Gt(Object(1, 0, 0, 50, 50));
        var r = CocoEvaluator.Evaluate(gt, [Det(0, 0, 50, 50, 0.5), Det(0, 0, 10, 10, 0.99, category: 7)]);
        Assert.Equal(1.0, r.Stats.Ap, 12);
        Assert.Equal(1, r.UnlistedCategoryDetections);
        Assert.Equal(2, r.Detections);
        var e = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(gt, [Det(0, 0, 5, 5, 0.5, image: 3)]));
        Assert.Contains("image_id 3 is not an image of gt.json", e.Message);
    }

    [Fact]
    public void The_summary_formats_like_python_with_ties_rounded_to_even()
    {
        // Recall 0.5625 = 9/16 at every threshold: exactly halfway at three decimals, which Python rounds to 0.562.
        var objects = Enumerable.Range(1, 16).Select(i => Object(i, i * 30, 0, 20, 20)).ToArray();
        var dets = objects.Take(9).Select(o => Det(o.Bbox.X, o.Bbox.Y, 20, 20, 0.5)).ToArray();
        var r = CocoEvaluator.Evaluate(Gt(objects), dets);
        Assert.Equal(0.5625, r.Stats.Ar100);
        Assert.Equal(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.562", r.Stats.SummaryLines()[8]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = " + r.Stats.Ap50.ToString("F3", System.Globalization.CultureInfo.InvariantCulture),
            r.Stats.SummaryLines()[1]);
        Assert.EndsWith("area=medium | maxDets=100 ] = -1.000", r.Stats.SummaryLines()[4]);
    }
}
