using Vitrum.Data.Coco;

namespace Vitrum.Training.Coco;

/// <summary>
/// How one area range's detections of an image and category fared at each IoU threshold t (arrays [T, D], D the
/// detections kept, best score first).
/// </summary>
/// <param name="Matched">[T, D] the detection matched a ground truth (with a nonzero id: see <see cref="ImageEvaluation"/>)</param>
/// <param name="Ignored">[T, D] neither a true nor a false positive: matched to an ignored ground truth, or unmatched and outside the range</param>
/// <param name="GroundTruths">the ground truths that count: not crowd, area inside the range</param>
internal sealed record AreaMatches(bool[] Matched, bool[] Ignored, int GroundTruths);

/// <summary>
/// COCOeval's <c>evaluateImg</c> for one image and category, every area range at once: the best-scoring detections
/// (up to the largest maxDets) are matched greedily, highest score first, each to the unmatched ground truth of
/// highest IoU at or above the threshold. Ground truths that are crowd regions or outside the area range are ignored:
/// tried after all the others, a detection matched to one is neither right nor wrong, and a crowd region may take
/// any number of detections. As in COCOeval, crowd is the only source of "ignore": it overwrites an annotation's own
/// <c>ignore</c> field, which therefore changes nothing; and since COCOeval records a match as the ground truth's id
/// and tests that id against 0, a match with a ground truth whose id is 0 counts as no match.
/// </summary>
internal sealed class ImageEvaluation
{
    private ImageEvaluation(double[] scores, AreaMatches[] areas)
    {
        Scores = scores;
        Areas = areas;
    }

    /// <summary>[D] the kept detections' scores, highest first.</summary>
    public double[] Scores { get; }

    /// <summary>One entry per <see cref="CocoEvalParams.AreaRanges"/>.</summary>
    public AreaMatches[] Areas { get; }

    /// <summary>null when the image has neither ground truth nor detections of the category (it then takes no part).</summary>
    public static ImageEvaluation? Evaluate(IReadOnlyList<CocoAnnotation> gts, IReadOnlyList<CocoDetection> dts, int maxDets)
    {
        if (gts.Count == 0 && dts.Count == 0) return null;
        var order = ScoreOrder.Descending(dts.Select(d => d.Score).ToArray());
        var kept = order.Take(maxDets).Select(i => dts[i]).ToArray();
        int g = gts.Count;
        var iou = new double[kept.Length * g];
        for (int d = 0; d < kept.Length; d++)
            for (int j = 0; j < g; j++)
                iou[d * g + j] = CocoIou.Of(kept[d].Bbox, gts[j].Bbox, gts[j].IsCrowd);
        var areas = CocoEvalParams.AreaRanges.Select(range => Match(gts, kept, iou, range)).ToArray();
        return new ImageEvaluation(kept.Select(d => d.Score).ToArray(), areas);
    }

    private static bool Outside(double area, CocoAreaRange range) => area < range.Min || area > range.Max;

    /// <param name="iou">[D, G] with the ground truths in their given order</param>
    private static AreaMatches Match(IReadOnlyList<CocoAnnotation> gts, CocoDetection[] dts, double[] iou, CocoAreaRange range)
    {
        var thresholds = CocoEvalParams.IouThresholds;
        int nT = thresholds.Count, nD = dts.Length, nG = gts.Count;
        // Ground truths that count first, ignored ones after them, each group in its given order (COCOeval's stable sort).
        var order = Enumerable.Range(0, nG).OrderBy(j => IsIgnored(gts[j], range) ? 1 : 0).ToArray();
        var ignored = order.Select(j => IsIgnored(gts[j], range)).ToArray();
        var taken = new bool[nT * nG];
        var matched = new bool[nT * nD];
        var dtIgnored = new bool[nT * nD];
        for (int t = 0; t < nT; t++)
        {
            double threshold = Math.Min(thresholds[t], 1 - 1e-10);
            for (int d = 0; d < nD; d++)
            {
                double best = threshold;
                int m = -1;
                for (int j = 0; j < nG; j++)
                {
                    if (taken[t * nG + j] && !gts[order[j]].IsCrowd) continue;
                    // Matched to a ground truth that counts: the ignored ones after it cannot take its place.
                    if (m > -1 && !ignored[m] && ignored[j]) break;
                    double v = iou[d * nG + order[j]];
                    if (v < best) continue;
                    best = v;
                    m = j;
                }
                if (m == -1) continue;
                dtIgnored[t * nD + d] = ignored[m];
                matched[t * nD + d] = gts[order[m]].Id != 0;
                taken[t * nG + m] = true;
            }
            for (int d = 0; d < nD; d++)
                if (!matched[t * nD + d] && Outside(dts[d].Bbox.Area, range)) dtIgnored[t * nD + d] = true;
        }
        return new AreaMatches(matched, dtIgnored, ignored.Count(i => !i));
    }

    private static bool IsIgnored(CocoAnnotation gt, CocoAreaRange range) => gt.IsCrowd || Outside(gt.Area, range);
}
