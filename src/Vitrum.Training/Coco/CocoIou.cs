using Vitrum.Data.Coco;

namespace Vitrum.Training.Coco;

/// <summary>
/// The overlap COCOeval scores boxes by (cocoapi's <c>bbIou</c>, in double precision): intersection over union, or
/// for a crowd region intersection over the detection's own area, so that a detection lying inside a crowd of
/// people matches it fully whatever the crowd's size.
/// </summary>
public static class CocoIou
{
    /// <returns>0 when the boxes do not overlap</returns>
    public static double Of(CocoBox detection, CocoBox groundTruth, bool crowd)
    {
        var (d, g) = (detection, groundTruth);
        double w = Math.Min(d.X + d.Width, g.X + g.Width) - Math.Max(d.X, g.X);
        if (w <= 0) return 0;
        double h = Math.Min(d.Y + d.Height, g.Y + g.Height) - Math.Max(d.Y, g.Y);
        if (h <= 0) return 0;
        double inter = w * h;
        return inter / (crowd ? d.Area : d.Area + g.Area - inter);
    }
}
