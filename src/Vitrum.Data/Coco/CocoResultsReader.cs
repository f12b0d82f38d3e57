using System.Text.Json;

namespace Vitrum.Data.Coco;

/// <summary>
/// Reads a detection results file in COCO's results format (cocodataset.org/#format-results): a JSON list of
/// <c>{"image_id", "category_id", "bbox": [x, y, w, h], "score"}</c>, other fields skipped. An empty list is
/// accepted (no detections).
/// </summary>
public static class CocoResultsReader
{
    /// <param name="groundTruth">when given, every image_id must name one of its images (as COCO's loadRes requires)</param>
    /// <exception cref="DataFormatException">the file is not such a list; the message names the entry, the field and the expectation</exception>
    public static IReadOnlyList<CocoDetection> Read(string path, CocoDataset? groundTruth = null) => Parse(File.ReadAllBytes(path), path, groundTruth);

    /// <param name="name">the file's name in error messages</param>
    /// <param name="groundTruth">when given, every image_id must name one of its images</param>
    /// <exception cref="DataFormatException">the text is not such a list; the message names the entry, the field and the expectation</exception>
    public static IReadOnlyList<CocoDetection> Parse(ReadOnlySpan<byte> utf8, string name, CocoDataset? groundTruth = null)
    {
        var c = new CocoJsonCursor(utf8, name);
        var list = new List<CocoDetection>();
        c.StartArray(new JsonPath(""), "detections {image_id, category_id, bbox, score}");
        for (var at = new JsonPath("", 0); c.NextObject(at); at = at with { Index = at.Index + 1 })
        {
            long? image = null, category = null;
            CocoBox? box = null;
            double? score = null;
            while (c.NextProperty())
            {
                if (c.PropertyIs("image_id"u8)) image = c.Integer(at["image_id"]);
                else if (c.PropertyIs("category_id"u8)) category = c.Integer(at["category_id"]);
                else if (c.PropertyIs("bbox"u8)) box = c.Box(at["bbox"]);
                else if (c.PropertyIs("score"u8)) score = c.Number(at["score"]);
                else c.SkipValue();
            }
            var d = new CocoDetection(image ?? throw c.Missing(at, "image_id", "an integer"), category ?? throw c.Missing(at, "category_id", "an integer"),
                box ?? throw c.Missing(at, "bbox", "[x, y, width, height]"), score ?? throw c.Missing(at, "score", "a finite number"));
            if (groundTruth != null && !groundTruth.HasImage(d.ImageId))
                throw c.Error(at["image_id"], $"{d.ImageId} is not the id of an image in {groundTruth.Source}");
            list.Add(d);
        }
        c.At = new JsonPath("");
        c.End();
        return list;
    }
}
