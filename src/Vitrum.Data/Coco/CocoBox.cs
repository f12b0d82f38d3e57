namespace Vitrum.Data.Coco;

/// <summary>A COCO box, <c>[x, y, width, height]</c> in pixels from the image's top-left corner, in double precision as COCO's tools compute.</summary>
public readonly record struct CocoBox(double X, double Y, double Width, double Height)
{
    /// <summary>Width times height: a detection's area in COCOeval (a ground truth's comes from its <c>area</c> field).</summary>
    public double Area => Width * Height;
}
