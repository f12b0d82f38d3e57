using Vitrum.Data.Coco;

namespace Vitrum.Training.Coco;

/// <summary>A category's AP@[.50:.95] (area all, maxDets 100), -1 when it has no ground truth that counts.</summary>
public sealed record CocoCategoryAp(long CategoryId, string Name, double Ap);

/// <summary>What <see cref="CocoEvaluator"/> found: the 12 summary numbers, the curves behind them and each category's AP.</summary>
public sealed class CocoEvalResult
{
    internal CocoEvalResult(CocoCurves curves, IReadOnlyList<CocoCategory> categories, int detections, int unlistedCategoryDetections)
    {
        Curves = curves;
        Stats = CocoStats.Summarize(curves);
        Detections = detections;
        UnlistedCategoryDetections = unlistedCategoryDetections;
        int all = 0, maxDets = CocoEvalParams.MaxDetections.Count - 1;
        PerCategory = categories.Select((c, k) => new CocoCategoryAp(c.Id, c.Name, CocoStats.Mean(
            from t in Enumerable.Range(0, CocoEvalParams.IouThresholds.Count)
            from r in Enumerable.Range(0, CocoEvalParams.RecallThresholds.Count)
            select curves.Precision(t, r, k, all, maxDets)))).ToArray();
    }

    public CocoStats Stats { get; }

    /// <summary>Precision and recall per threshold, category (ascending id), area range and maxDets.</summary>
    public CocoCurves Curves { get; }

    /// <summary>AP per category, in ascending id order (the order of <see cref="Curves"/>).</summary>
    public IReadOnlyList<CocoCategoryAp> PerCategory { get; }

    /// <summary>The detections given.</summary>
    public int Detections { get; }

    /// <summary>Detections whose category the ground truth does not list: COCOeval leaves them out, and so does this.</summary>
    public int UnlistedCategoryDetections { get; }
}
