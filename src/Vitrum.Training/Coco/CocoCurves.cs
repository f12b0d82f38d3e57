namespace Vitrum.Training.Coco;

/// <summary>
/// COCOeval's <c>eval['precision']</c> [T, R, K, A, M] and <c>eval['recall']</c> [T, K, A, M]: T IoU thresholds,
/// R recall points, K categories (ascending id), A area ranges, M maxDets; -1 where a category has no ground truth
/// that counts in an area range.
/// </summary>
public sealed class CocoCurves
{
    private readonly double[] _precision;
    private readonly double[] _recall;
    private readonly int _t = CocoEvalParams.IouThresholds.Count, _r = CocoEvalParams.RecallThresholds.Count;
    private readonly int _a = CocoEvalParams.AreaRanges.Count, _m = CocoEvalParams.MaxDetections.Count;

    internal CocoCurves(int categories)
    {
        Categories = categories;
        _precision = new double[_t * _r * categories * _a * _m];
        _recall = new double[_t * categories * _a * _m];
        Array.Fill(_precision, -1);
        Array.Fill(_recall, -1);
    }

    public int Categories { get; }

    /// <summary>Interpolated precision at IoU threshold t and recall point r of category k, area range a, maxDets m.</summary>
    public double Precision(int t, int r, int k, int a, int m) => _precision[PrecisionIndex(t, r, k, a, m)];

    /// <summary>The recall reached at IoU threshold t by category k, area range a, maxDets m.</summary>
    public double Recall(int t, int k, int a, int m) => _recall[RecallIndex(t, k, a, m)];

    internal void SetPrecision(int t, int r, int k, int a, int m, double v) => _precision[PrecisionIndex(t, r, k, a, m)] = v;

    internal void SetRecall(int t, int k, int a, int m, double v) => _recall[RecallIndex(t, k, a, m)] = v;

    private int PrecisionIndex(int t, int r, int k, int a, int m)
    {
        Check(t, k, a, m);
        if ((uint)r >= (uint)_r) throw new ArgumentOutOfRangeException(nameof(r), r, $"a recall point index in [0, {_r})");
        return (((t * _r + r) * Categories + k) * _a + a) * _m + m;
    }

    private int RecallIndex(int t, int k, int a, int m)
    {
        Check(t, k, a, m);
        return ((t * Categories + k) * _a + a) * _m + m;
    }

    private void Check(int t, int k, int a, int m)
    {
        if ((uint)t >= (uint)_t) throw new ArgumentOutOfRangeException(nameof(t), t, $"an IoU threshold index in [0, {_t})");
        if ((uint)k >= (uint)Categories) throw new ArgumentOutOfRangeException(nameof(k), k, $"a category index in [0, {Categories})");
        if ((uint)a >= (uint)_a) throw new ArgumentOutOfRangeException(nameof(a), a, $"an area range index in [0, {_a})");
        if ((uint)m >= (uint)_m) throw new ArgumentOutOfRangeException(nameof(m), m, $"a maxDets index in [0, {_m})");
    }
}
