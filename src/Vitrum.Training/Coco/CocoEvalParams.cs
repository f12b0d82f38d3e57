namespace Vitrum.Training.Coco;

/// <summary>An area range of COCOeval: objects whose area lies in [Min, Max] (both ends included).</summary>
public sealed record CocoAreaRange(string Label, double Min, double Max);

/// <summary>
/// COCOeval's default bbox parameters (pycocotools <c>Params.setDetParams</c>): IoU thresholds .50:.05:.95, 101
/// recall points, the area ranges all/small/medium/large and 1, 10, 100 detections per image and category.
/// </summary>
public static class CocoEvalParams
{
    /// <summary>0.5, 0.55, ..., 0.95 as numpy's linspace computes them (0.8999999999999999, not 0.9): IoUs are compared with these very doubles.</summary>
    public static IReadOnlyList<double> IouThresholds { get; } = Linspace(0.5, 0.95, 10);

    /// <summary>0, 0.01, ..., 1 as numpy's linspace computes them.</summary>
    public static IReadOnlyList<double> RecallThresholds { get; } = Linspace(0, 1, 101);

    public static IReadOnlyList<int> MaxDetections { get; } = [1, 10, 100];

    public static IReadOnlyList<CocoAreaRange> AreaRanges { get; } =
    [
        new("all", 0, 1e10), new("small", 0, 32 * 32), new("medium", 32 * 32, 96 * 96), new("large", 96 * 96, 1e10),
    ];

    /// <summary>numpy.linspace with endpoint: start + i * step, the last value exactly <paramref name="stop"/>.</summary>
    private static double[] Linspace(double start, double stop, int count)
    {
        double step = (stop - start) / (count - 1);
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = i * step + start;
        v[^1] = stop;
        return v;
    }
}
