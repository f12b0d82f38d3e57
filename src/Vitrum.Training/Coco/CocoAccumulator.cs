namespace Vitrum.Training.Coco;

/// <summary>
/// COCOeval's <c>accumulate</c> for one category: its detections over all images, sorted by score, become a
/// precision/recall curve per IoU threshold, area range and maxDets; precision is made monotone from the right and
/// read at the 101 recall points (0 beyond the highest recall reached). Curves with no ground truth that counts stay -1.
/// </summary>
internal static class CocoAccumulator
{
    /// <summary>numpy's <c>spacing(1)</c>, which COCOeval adds to the denominator of precision.</summary>
    private static readonly double Eps = Math.ScaleB(1.0, -52);

    /// <param name="evals">the category's image evaluations in image id order, images without ground truth or detections left out</param>
    public static void Accumulate(IReadOnlyList<ImageEvaluation> evals, int k, CocoCurves curves)
    {
        if (evals.Count == 0) return;
        var p = CocoEvalParams.MaxDetections;
        for (int m = 0; m < p.Count; m++)
        {
            // The maxDets best of every image, concatenated in image order, then sorted by score (stably, as COCOeval).
            var scores = new List<double>();
            var source = new List<(int Image, int Detection)>();
            for (int e = 0; e < evals.Count; e++)
                for (int d = 0; d < Math.Min(p[m], evals[e].Scores.Length); d++)
                {
                    scores.Add(evals[e].Scores[d]);
                    source.Add((e, d));
                }
            var order = ScoreOrder.Descending(scores.ToArray());
            var ranked = order.Select(i => source[i]).ToArray();
            var recall = new double[ranked.Length];
            var precision = new double[ranked.Length];
            for (int a = 0; a < CocoEvalParams.AreaRanges.Count; a++)
            {
                int groundTruths = evals.Sum(e => e.Areas[a].GroundTruths);
                if (groundTruths == 0) continue;
                for (int t = 0; t < CocoEvalParams.IouThresholds.Count; t++)
                {
                    Curve(evals, ranked, a, t, groundTruths, recall, precision);
                    curves.SetRecall(t, k, a, m, ranked.Length > 0 ? recall[^1] : 0);
                    Sample(recall, precision, curves, t, k, a, m);
                }
            }
        }
    }

    /// <summary>Recall and precision after each ranked detection; ignored detections leave both counts as they were.</summary>
    private static void Curve(IReadOnlyList<ImageEvaluation> evals, (int Image, int Detection)[] ranked, int a, int t,
        int groundTruths, double[] recall, double[] precision)
    {
        double tp = 0, fp = 0;
        for (int i = 0; i < ranked.Length; i++)
        {
            var (e, d) = ranked[i];
            var matches = evals[e].Areas[a];
            int at = t * evals[e].Scores.Length + d;
            if (!matches.Ignored[at])
            {
                if (matches.Matched[at]) tp++;
                else fp++;
            }
            recall[i] = tp / groundTruths;
            precision[i] = tp / (fp + tp + Eps);
        }
    }

    /// <summary>Precision made monotone from the right, read where recall first reaches each recall point.</summary>
    private static void Sample(double[] recall, double[] precision, CocoCurves curves, int t, int k, int a, int m)
    {
        for (int i = precision.Length - 1; i > 0; i--)
            if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
        var points = CocoEvalParams.RecallThresholds;
        for (int r = 0; r < points.Count; r++)
        {
            int i = FirstAtLeast(recall, points[r]);
            curves.SetPrecision(t, r, k, a, m, i < recall.Length ? precision[i] : 0);
        }
    }

    /// <summary>numpy's <c>searchsorted(values, x, side='left')</c> on ascending values.</summary>
    private static int FirstAtLeast(double[] ascending, double x)
    {
        int lo = 0, hi = ascending.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
