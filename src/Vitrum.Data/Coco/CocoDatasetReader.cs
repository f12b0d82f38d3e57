using System.Text.Json;

namespace Vitrum.Data.Coco;

/// <summary>
/// Reads a COCO-format annotation file (cocodataset.org/#format-data): a JSON object whose <c>images</c>
/// (<c>id, file_name, width, height</c>), <c>annotations</c> (<c>id, image_id, category_id, bbox [x, y, w, h],
/// area, iscrowd</c>, optional <c>ignore</c>) and <c>categories</c> (<c>id, name</c>, optional
/// <c>supercategory</c>) are read; other fields (<c>info</c>, <c>licenses</c>, segmentations) are skipped.
/// <c>annotations</c> may be absent (an image-info file); <c>iscrowd</c> is 0 when absent.
/// </summary>
public static class CocoDatasetReader
{
    /// <exception cref="DataFormatException">the file is not such JSON; the message names the element, the field and the expectation</exception>
    public static CocoDataset Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <param name="name">the file's name in error messages</param>
    /// <exception cref="DataFormatException">the text is not such JSON; the message names the element, the field and the expectation</exception>
    public static CocoDataset Parse(ReadOnlySpan<byte> utf8, string name)
    {
        var c = new CocoJsonCursor(utf8, name);
        List<CocoImage>? images = null;
        List<CocoCategory>? categories = null;
        var annotations = new List<CocoAnnotation>();
        c.Next();
        if (c.Token != JsonTokenType.StartObject)
            throw c.Expected(new JsonPath(""), "a JSON object with 'images', 'annotations' and 'categories'");
        while (c.NextProperty())
        {
            if (c.PropertyIs("images"u8)) images = ReadImages(ref c);
            else if (c.PropertyIs("annotations"u8)) annotations = ReadAnnotations(ref c);
            else if (c.PropertyIs("categories"u8)) categories = ReadCategories(ref c);
            else c.SkipValue();
            c.At = new JsonPath("");
        }
        c.End();
        if (images == null) throw c.Error(new JsonPath(""), "no 'images' list");
        if (categories == null) throw c.Error(new JsonPath(""), "no 'categories' list");
        return new CocoDataset(images, annotations, categories, name);
    }

    private static List<CocoImage> ReadImages(ref CocoJsonCursor c)
    {
        var list = new List<CocoImage>();
        c.StartArray(new JsonPath("images"), "images");
        for (var at = new JsonPath("images", 0); c.NextObject(at); at = at with { Index = at.Index + 1 })
        {
            long? id = null;
            string? file = null;
            int? width = null, height = null;
            while (c.NextProperty())
            {
                if (c.PropertyIs("id"u8)) id = c.Integer(at["id"]);
                else if (c.PropertyIs("file_name"u8)) file = c.Text(at["file_name"]);
                else if (c.PropertyIs("width"u8)) width = c.PositiveInt(at["width"]);
                else if (c.PropertyIs("height"u8)) height = c.PositiveInt(at["height"]);
                else c.SkipValue();
            }
            list.Add(new CocoImage(id ?? throw c.Missing(at, "id", "an integer"), file ?? throw c.Missing(at, "file_name", "a string"),
                width ?? throw c.Missing(at, "width", "a positive integer"), height ?? throw c.Missing(at, "height", "a positive integer")));
        }
        return list;
    }

    private static List<CocoAnnotation> ReadAnnotations(ref CocoJsonCursor c)
    {
        var list = new List<CocoAnnotation>();
        c.StartArray(new JsonPath("annotations"), "annotations");
        for (var at = new JsonPath("annotations", 0); c.NextObject(at); at = at with { Index = at.Index + 1 })
        {
            long? id = null, image = null, category = null;
            CocoBox? box = null;
            double? area = null;
            bool crowd = false, ignore = false;
            while (c.NextProperty())
            {
                if (c.PropertyIs("id"u8)) id = c.Integer(at["id"]);
                else if (c.PropertyIs("image_id"u8)) image = c.Integer(at["image_id"]);
                else if (c.PropertyIs("category_id"u8)) category = c.Integer(at["category_id"]);
                else if (c.PropertyIs("bbox"u8)) box = c.Box(at["bbox"]);
                else if (c.PropertyIs("area"u8)) area = c.Number(at["area"], nonNegative: true);
                else if (c.PropertyIs("iscrowd"u8)) crowd = c.Flag(at["iscrowd"]);
                else if (c.PropertyIs("ignore"u8)) ignore = c.Flag(at["ignore"]);
                else c.SkipValue();
            }
            list.Add(new CocoAnnotation(id ?? throw c.Missing(at, "id", "an integer"), image ?? throw c.Missing(at, "image_id", "an integer"),
                category ?? throw c.Missing(at, "category_id", "an integer"), box ?? throw c.Missing(at, "bbox", "[x, y, width, height]"),
                area ?? throw c.Missing(at, "area", "a finite number >= 0"), crowd, ignore));
        }
        return list;
    }

    private static List<CocoCategory> ReadCategories(ref CocoJsonCursor c)
    {
        var list = new List<CocoCategory>();
        c.StartArray(new JsonPath("categories"), "categories");
        for (var at = new JsonPath("categories", 0); c.NextObject(at); at = at with { Index = at.Index + 1 })
        {
            long? id = null;
            string? name = null, super = null;
            while (c.NextProperty())
            {
                if (c.PropertyIs("id"u8)) id = c.Integer(at["id"]);
                else if (c.PropertyIs("name"u8)) name = c.Text(at["name"]);
                else if (c.PropertyIs("supercategory"u8)) super = c.Text(at["supercategory"], nullable: true);
                else c.SkipValue();
            }
            list.Add(new CocoCategory(id ?? throw c.Missing(at, "id", "an integer"), name ?? throw c.Missing(at, "name", "a string"), super));
        }
        return list;
    }
}
