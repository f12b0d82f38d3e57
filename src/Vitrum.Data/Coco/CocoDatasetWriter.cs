using System.Text.Json;
using Vitrum.Nn.IO;

namespace Vitrum.Data.Coco;

/// <summary>
/// Writes a <see cref="CocoDataset"/> as a COCO-format annotation file (cocodataset.org/#format-data) that
/// <see cref="CocoDatasetReader"/>, pycocotools and other COCO tools read: <c>info</c>, <c>images</c>,
/// <c>annotations</c> (without segmentation; <c>ignore</c> only where set) and <c>categories</c>, in the data set's
/// order. Numbers are written in their shortest exact form, so a file read back gives the same values.
/// </summary>
public static class CocoDatasetWriter
{
    /// <summary>Writes to a temporary name and renames it, so a reader never sees half a file.</summary>
    /// <param name="description">the <c>info.description</c> of the file; no <c>info</c> when null</param>
    public static void Write(string path, CocoDataset dataset, string? description = null)
    {
        var bytes = ToUtf8(dataset, description);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>The file's bytes (UTF-8 JSON without indentation).</summary>
    public static byte[] ToUtf8(CocoDataset dataset, string? description = null)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            if (description != null)
            {
                w.WriteStartObject("info");
                w.WriteString("description", description);
                w.WriteEndObject();
            }
            w.WriteStartArray("images");
            foreach (var i in dataset.Images)
            {
                w.WriteStartObject();
                w.WriteNumber("id", i.Id);
                w.WriteString("file_name", i.FileName);
                w.WriteNumber("width", i.Width);
                w.WriteNumber("height", i.Height);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("annotations");
            foreach (var a in dataset.Annotations) WriteAnnotation(w, a);
            w.WriteEndArray();
            w.WriteStartArray("categories");
            foreach (var c in dataset.Categories)
            {
                w.WriteStartObject();
                w.WriteNumber("id", c.Id);
                w.WriteString("name", c.Name);
                if (c.Supercategory != null) w.WriteString("supercategory", c.Supercategory);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static void WriteAnnotation(Utf8JsonWriter w, CocoAnnotation a)
    {
        w.WriteStartObject();
        w.WriteNumber("id", a.Id);
        w.WriteNumber("image_id", a.ImageId);
        w.WriteNumber("category_id", a.CategoryId);
        w.WriteStartArray("bbox");
        w.WriteNumberValue(a.Bbox.X);
        w.WriteNumberValue(a.Bbox.Y);
        w.WriteNumberValue(a.Bbox.Width);
        w.WriteNumberValue(a.Bbox.Height);
        w.WriteEndArray();
        w.WriteNumber("area", a.Area);
        w.WriteNumber("iscrowd", a.IsCrowd ? 1 : 0);
        if (a.Ignore) w.WriteNumber("ignore", 1);
        w.WriteEndObject();
    }
}
