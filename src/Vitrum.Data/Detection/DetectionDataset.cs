using Vitrum.Data.Coco;
using Vitrum.Data.Images;

namespace Vitrum.Data.Detection;

/// <summary>
/// A COCO-format detection data set: an annotation file and the folder its <c>file_name</c>s are relative to, read
/// as DETR's datasets/coco.py reads it. Images come in ascending id order (torchvision's CocoDetection sorts the
/// ids), are decoded when asked for and converted to <see cref="Channels"/> colour channels (DETR converts every image
/// to RGB); their boxes are prepared by <see cref="DetectionBoxes.FromCoco"/> (clipped, boxes without area dropped,
/// crowd objects flagged).
/// </summary>
public sealed class DetectionDataset
{
    private readonly CocoImage[] _images;
    private readonly CocoAnnotation[][] _annotations;

    /// <param name="channels">the colour channels images are converted to: 3 (RGB, as DETR) or 1 (grey)</param>
    public DetectionDataset(CocoDataset coco, string imageDirectory, int channels = 3)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "images are converted to 1 (grey) or 3 (RGB) channels");
        (Coco, ImageDirectory, Channels) = (coco, imageDirectory, channels);
        _images = coco.Images.OrderBy(i => i.Id).ToArray();
        var index = new Dictionary<long, int>(_images.Length);
        for (int i = 0; i < _images.Length; i++) index[_images[i].Id] = i;
        var lists = _images.Select(_ => new List<CocoAnnotation>()).ToArray();
        foreach (var a in coco.Annotations) lists[index[a.ImageId]].Add(a);
        _annotations = lists.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>Reads <paramref name="annotationFile"/> (<see cref="CocoDatasetReader"/>); images are read from <paramref name="imageDirectory"/> when loaded.</summary>
    /// <exception cref="DataFormatException">the annotation file is not COCO-format JSON</exception>
    public static DetectionDataset Open(string annotationFile, string imageDirectory, int channels = 3) =>
        new(CocoDatasetReader.Read(annotationFile), imageDirectory, channels);

    public CocoDataset Coco { get; }
    public string ImageDirectory { get; }
    public int Channels { get; }
    public int Count => _images.Length;

    /// <summary>The image at <paramref name="index"/> of the id order.</summary>
    public CocoImage Image(int index) => _images[index];

    /// <summary>The annotations of the image at <paramref name="index"/>, in file order.</summary>
    public IReadOnlyList<CocoAnnotation> Annotations(int index) => _annotations[index];

    /// <summary>The image at <paramref name="index"/> with its boxes, in a new sample.</summary>
    public DetectionSample Load(int index)
    {
        var sample = new DetectionSample();
        Load(index, sample);
        return sample;
    }

    /// <summary>Decodes the image at <paramref name="index"/> into <paramref name="sample"/> (floats in [0, 1]) and sets its boxes.</summary>
    /// <exception cref="FileNotFoundException">the image file does not exist</exception>
    /// <exception cref="DataFormatException">the file is not an image read, or its size is not the one the annotation file gives</exception>
    public void Load(int index, DetectionSample sample)
    {
        var info = _images[index];
        var path = Path.Combine(ImageDirectory, info.FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file (image {info.Id} of {Coco.Source})", path);
        var image = ImageFile.Load(path).ToColorChannels(Channels);
        if (image.Width != info.Width || image.Height != info.Height)
            throw new DataFormatException(path, $"the image is {image.Width}x{image.Height} but {Coco.Source} gives image {info.Id} as {info.Width}x{info.Height}");
        image.ToBuffer(sample.Image);
        sample.ImageId = info.Id;
        (sample.OriginalHeight, sample.OriginalWidth) = (info.Height, info.Width);
        sample.Boxes.Clear();
        sample.Boxes.AddRange(DetectionBoxes.FromCoco(_annotations[index], info.Width, info.Height));
    }
}
