using System.Globalization;
using Vitrum.Data.Coco;
using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>One detected object: the query that found it, its class and name, its score and its box (x0, y0, x1, y1) in pixels.</summary>
public sealed record Detection(int Query, long Label, string Name, float Score, float X0, float Y0, float X1, float Y1)
{
    /// <summary>The box as COCO writes it: [x, y, width, height].</summary>
    public double[] CocoBox => new double[] { X0, Y0, X1 - X0, Y1 - Y0 };

    public float[] Box => new[] { X0, Y0, X1, Y1 };

    /// <summary>"cat 0.98 [12.0, 30.5, 200.2, 180.0]".</summary>
    public string Describe() => string.Format(CultureInfo.InvariantCulture, "{0} {1:F3} [{2:F1}, {3:F1}, {4:F1}, {5:F1}]", Name, Score, X0, Y0, X1, Y1);

    /// <summary>The caption drawn on its box: "cat 0.98".</summary>
    public string Caption => string.Format(CultureInfo.InvariantCulture, "{0} {1:F2}", Name, Score);
}

/// <summary>A detector's outputs turned into detections (DETR's PostProcess, then a score threshold) with class names.</summary>
public static class Detections
{
    /// <summary>DETR's demo keeps the queries whose best object class is at least this likely.</summary>
    public const double DefaultThreshold = 0.7;

    /// <summary>
    /// Every query of every image as a detection, best first, with boxes scaled to each image's (height, width);
    /// those scored below <paramref name="threshold"/> left out.
    /// </summary>
    /// <param name="sizes">(height, width) per image, [2B]</param>
    /// <param name="names">a name per class id (<see cref="LabelNames"/>)</param>
    public static Detection[][] Of(DetrOutput output, long[] sizes, double threshold, IReadOnlyList<string> names)
    {
        var post = PostProcess.Forward(output, Tensor.FromLongs(sizes, sizes.Length / 2, 2));
        return post.Select(d =>
        {
            var (scores, labels, boxes) = (d.Scores.ToArray(), d.Labels.ToLongArray(), d.Boxes.Contiguous().ToArray());
            return Enumerable.Range(0, scores.Length).Where(q => scores[q] >= threshold).OrderByDescending(q => scores[q])
                .Select(q => new Detection(q, labels[q], labels[q] < names.Count ? names[(int)labels[q]] : labels[q].ToString(CultureInfo.InvariantCulture),
                    scores[q], boxes[4 * q], boxes[4 * q + 1], boxes[4 * q + 2], boxes[4 * q + 3]))
                .ToArray();
        }).ToArray();
    }

    /// <summary>
    /// A name per class id: the weights' "classes" metadata (names by id, as train records them), else COCO's category
    /// names for a model of COCO's 91 ids (DETR's published models), else the ids as text.
    /// </summary>
    /// <param name="numClasses">the model's object classes (num_classes, without "no object")</param>
    public static string[] LabelNames(ModelHandle model, int numClasses, string source)
    {
        if (ImageClassifier.NamedClasses(model.Metadata, numClasses, source) == null && numClasses == CocoCategoryNames.IdCount)
            return CocoCategoryNames.ById.ToArray();
        return ImageClassifier.ClassNames(model.Metadata, numClasses, source);
    }
}
