namespace Vitrum.Data.Coco;

/// <summary>An entry of a COCO file's <c>images</c>.</summary>
public sealed record CocoImage(long Id, string FileName, int Width, int Height);

/// <summary>An entry of a COCO file's <c>categories</c>; <paramref name="Supercategory"/> is null when absent.</summary>
public sealed record CocoCategory(long Id, string Name, string? Supercategory);

/// <summary>
/// An entry of a COCO file's <c>annotations</c> (its segmentation is not kept). <paramref name="Area"/> is the
/// file's <c>area</c> field, the object's segment area, which COCOeval's area ranges use instead of the box's.
/// <paramref name="Ignore"/> is the optional <c>ignore</c> field (false when absent).
/// </summary>
public sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, CocoBox Bbox, double Area, bool IsCrowd, bool Ignore);

/// <summary>
/// A COCO-format data set: images, their box annotations and the categories. Ids are unique within each list and
/// every annotation names a listed image and category; <see cref="Source"/> (the file) names the data set in errors.
/// </summary>
public sealed class CocoDataset
{
    private readonly Dictionary<long, int> _imageIndex;
    private readonly Dictionary<long, int> _categoryIndex;

    /// <exception cref="DataFormatException">an id repeats, or an annotation names an image or category that is not listed</exception>
    public CocoDataset(IReadOnlyList<CocoImage> images, IReadOnlyList<CocoAnnotation> annotations, IReadOnlyList<CocoCategory> categories, string source)
    {
        Images = images;
        Annotations = annotations;
        Categories = categories;
        Source = source;
        _imageIndex = IndexIds(images, i => i.Id, "images", source);
        _categoryIndex = IndexIds(categories, c => c.Id, "categories", source);
        IndexIds(annotations, a => a.Id, "annotations", source);
        for (int i = 0; i < annotations.Count; i++)
        {
            var a = annotations[i];
            if (!_imageIndex.ContainsKey(a.ImageId))
                throw new DataFormatException(source, $"annotations[{i}].image_id: {a.ImageId} is not the id of an image in 'images'");
            if (!_categoryIndex.ContainsKey(a.CategoryId))
                throw new DataFormatException(source, $"annotations[{i}].category_id: {a.CategoryId} is not the id of a category in 'categories'");
        }
    }

    public IReadOnlyList<CocoImage> Images { get; }
    public IReadOnlyList<CocoAnnotation> Annotations { get; }
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <summary>Where the data set was read from (a path), for messages.</summary>
    public string Source { get; }

    public bool HasImage(long id) => _imageIndex.ContainsKey(id);

    /// <summary>The category with this id, or null.</summary>
    public CocoCategory? Category(long id) => _categoryIndex.TryGetValue(id, out int i) ? Categories[i] : null;

    private static Dictionary<long, int> IndexIds<T>(IReadOnlyList<T> items, Func<T, long> id, string list, string source)
    {
        var index = new Dictionary<long, int>(items.Count);
        for (int i = 0; i < items.Count; i++)
            if (!index.TryAdd(id(items[i]), i))
                throw new DataFormatException(source, $"{list}[{i}].id: {id(items[i])} is also the id of {list}[{index[id(items[i])]}]; ids must be unique");
        return index;
    }
}
