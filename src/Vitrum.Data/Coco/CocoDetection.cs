namespace Vitrum.Data.Coco;

/// <summary>One entry of a COCO detection results file: a box of a category on an image, with its confidence.</summary>
public sealed record CocoDetection(long ImageId, long CategoryId, CocoBox Bbox, double Score);
