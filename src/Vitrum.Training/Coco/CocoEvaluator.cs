using Vitrum.Data.Coco;

namespace Vitrum.Training.Coco;

/// <summary>
/// COCO's box detection metrics, computed as pycocotools' COCOeval (cocodataset/cocoapi, <c>iouType='bbox'</c>,
/// default parameters) computes them, to within rounding of its final means: every image and category listed by the
/// ground truth, each image's detections matched to its ground truth per category (<see cref="ImageEvaluation"/>),
/// then precision/recall curves per category (<see cref="CocoAccumulator"/>) and their means (<see cref="CocoStats"/>).
/// Unlike COCO's loadRes, an empty list of detections is accepted (every AP and AR is then 0, or -1 without ground truth).
/// </summary>
public static class CocoEvaluator
{
    /// <exception cref="ArgumentException">a detection's image is not an image of <paramref name="groundTruth"/></exception>
    public static CocoEvalResult Evaluate(CocoDataset groundTruth, IReadOnlyList<CocoDetection> detections)
    {
        var gts = new Dictionary<(long Category, long Image), List<CocoAnnotation>>();
        foreach (var a in groundTruth.Annotations) Bucket(gts, (a.CategoryId, a.ImageId)).Add(a);
        var dts = new Dictionary<(long Category, long Image), List<CocoDetection>>();
        int unlisted = 0;
        for (int i = 0; i < detections.Count; i++)
        {
            var d = detections[i];
            if (!groundTruth.HasImage(d.ImageId))
                throw new ArgumentException($"detection {i}: image_id {d.ImageId} is not an image of {groundTruth.Source}", nameof(detections));
            if (groundTruth.Category(d.CategoryId) == null) unlisted++;
            else Bucket(dts, (d.CategoryId, d.ImageId)).Add(d);
        }

        var imageIds = groundTruth.Images.Select(i => i.Id).Order().ToArray();
        var categories = groundTruth.Categories.OrderBy(c => c.Id).ToArray();
        var curves = new CocoCurves(categories.Length);
        int maxDets = CocoEvalParams.MaxDetections[^1];
        for (int k = 0; k < categories.Length; k++)
        {
            var evals = new List<ImageEvaluation>();
            foreach (long image in imageIds)
            {
                var key = (categories[k].Id, image);
                var e = ImageEvaluation.Evaluate(gts.GetValueOrDefault(key) ?? [], dts.GetValueOrDefault(key) ?? [], maxDets);
                if (e != null) evals.Add(e);
            }
            CocoAccumulator.Accumulate(evals, k, curves);
        }
        return new CocoEvalResult(curves, categories, detections.Count, unlisted);
    }

    /// <summary>The list of a key, created empty on first use; items keep the order they are added in (file order).</summary>
    private static List<T> Bucket<T>(Dictionary<(long, long), List<T>> buckets, (long, long) key)
    {
        if (!buckets.TryGetValue(key, out var list)) buckets[key] = list = [];
        return list;
    }
}
