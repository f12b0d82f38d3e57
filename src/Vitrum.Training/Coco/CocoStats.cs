using System.Globalization;

namespace Vitrum.Training.Coco;

/// <summary>
/// The 12 numbers of COCOeval.summarize() for boxes, in its order: AP@[.50:.95], AP50, AP75, AP small/medium/large
/// (maxDets 100), AR@1, AR@10, AR@100, AR small/medium/large (maxDets 100). Each is the mean over the IoU
/// thresholds, recall points and categories that have ground truth in its area range; -1 when none has.
/// </summary>
public sealed class CocoStats
{
    /// <summary>The JSON names of <see cref="Values"/>, in the same order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large", "ar1", "ar10", "ar100", "ar_small", "ar_medium", "ar_large"];

    /// <summary>What each stat averages: precision or recall, at one IoU threshold or all, an area range, a maxDets.</summary>
    private sealed record Entry(bool Precision, double? Iou, string Area, int MaxDets);

    private static readonly Entry[] Entries =
    [
        new(true, null, "all", 100), new(true, 0.5, "all", 100), new(true, 0.75, "all", 100),
        new(true, null, "small", 100), new(true, null, "medium", 100), new(true, null, "large", 100),
        new(false, null, "all", 1), new(false, null, "all", 10), new(false, null, "all", 100),
        new(false, null, "small", 100), new(false, null, "medium", 100), new(false, null, "large", 100),
    ];

    private CocoStats(double[] values) => Values = values;

    /// <summary>The 12 numbers in COCOeval's order (<see cref="Names"/>).</summary>
    public IReadOnlyList<double> Values { get; }

    public double Ap => Values[0];
    public double Ap50 => Values[1];
    public double Ap75 => Values[2];
    public double ApSmall => Values[3];
    public double ApMedium => Values[4];
    public double ApLarge => Values[5];
    public double Ar1 => Values[6];
    public double Ar10 => Values[7];
    public double Ar100 => Values[8];
    public double ArSmall => Values[9];
    public double ArMedium => Values[10];
    public double ArLarge => Values[11];

    internal static CocoStats Summarize(CocoCurves curves) => new(Entries.Select(e => Mean(Select(curves, e))).ToArray());

    /// <summary>The 12 lines pycocotools prints, character for character.</summary>
    public IReadOnlyList<string> SummaryLines()
    {
        var th = CocoEvalParams.IouThresholds;
        return Entries.Select((e, i) =>
        {
            string iou = e.Iou is { } v ? F(v, 2) : $"{F(th[0], 2)}:{F(th[^1], 2)}";
            string title = e.Precision ? "Average Precision" : "Average Recall";
            return string.Create(CultureInfo.InvariantCulture,
                $" {title,-18} {(e.Precision ? "(AP)" : "(AR)")} @[ IoU={iou,-9} | area={e.Area,6} | maxDets={e.MaxDets,3} ] = {F(Values[i], 3)}");
        }).ToArray();
    }

    private static string F(double v, int decimals) => v.ToString("F" + decimals, CultureInfo.InvariantCulture);

    /// <summary>The curve values an entry averages, -1 (no ground truth) included.</summary>
    private static IEnumerable<double> Select(CocoCurves c, Entry e)
    {
        var th = CocoEvalParams.IouThresholds;
        // COCOeval picks the threshold by equality, which holds: 0.75 is exactly linspace's sixth value.
        var ts = e.Iou is { } iou ? [th.ToList().IndexOf(iou)] : Enumerable.Range(0, th.Count);
        int a = CocoEvalParams.AreaRanges.Select(r => r.Label).ToList().IndexOf(e.Area);
        int m = CocoEvalParams.MaxDetections.ToList().IndexOf(e.MaxDets);
        foreach (int t in ts)
            for (int k = 0; k < c.Categories; k++)
            {
                if (!e.Precision) yield return c.Recall(t, k, a, m);
                else
                    for (int r = 0; r < CocoEvalParams.RecallThresholds.Count; r++) yield return c.Precision(t, r, k, a, m);
            }
    }

    /// <summary>
    /// The mean of the values above -1, or -1 when there are none. Summed with Neumaier's compensation: numpy sums
    /// pairwise, and both then lie within a few units in the last place of the exact mean.
    /// </summary>
    internal static double Mean(IEnumerable<double> values)
    {
        double sum = 0, compensation = 0;
        long n = 0;
        foreach (var v in values)
        {
            if (v <= -1) continue;
            double s = sum + v;
            compensation += Math.Abs(sum) >= Math.Abs(v) ? (sum - s) + v : (v - s) + sum;
            sum = s;
            n++;
        }
        return n == 0 ? -1 : (sum + compensation) / n;
    }
}
