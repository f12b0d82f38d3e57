using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Models;
using Vitrum.Nn.IO;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum detect --weights W [--model M] IMAGE... --out DIR [--threshold 0.7]</c>: runs an object detector on each
/// image (prepared as DETR's val transform prepares it) and writes <c>DIR/NAME.png</c>, the image with its labelled,
/// scored boxes, and <c>DIR/detections.json</c>, every detection in COCO's results format (<c>image_id</c>,
/// <c>category_id</c>, <c>bbox</c> [x, y, w, h] in pixels of the file, <c>score</c>) plus <c>file_name</c> and
/// <c>label</c>, so <c>vitrum coco-eval</c> scores it. An image's id is its file name's number when every name is one
/// (COCO's and digit scenes' files are named by their ids), else its position in the list from 1. Every image is
/// decoded and run before the first file is written, and each file is written whole under a temporary name.
/// </summary>
public static class DetectCommand
{
    public const string ResultsFile = "detections.json";

    public static int Run(string weights, string? modelArg, IReadOnlyList<string> images, string outDir, double threshold, bool json)
    {
        if (images.Count == 0) throw new CliException("detect needs at least one IMAGE file");
        if (File.Exists(outDir)) throw new CliException($"--out {outDir} is a file; give a directory for the pictures and {ResultsFile}");
        var pictures = images.Select(p => Path.GetFileNameWithoutExtension(p) + ".png").ToArray();
        if (pictures.GroupBy(p => p, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new CliException($"two images would both be drawn to {Path.Combine(outDir, twice.Key)}; give images with different names");
        for (int i = 0; i < images.Count; i++)
            if (Path.GetFullPath(Path.Combine(outDir, pictures[i])) == Path.GetFullPath(images[i]))
                throw new CliException($"drawing {images[i]} into --out {outDir} would overwrite it; give another directory");
        var model = WeightsFile.Load(weights, modelArg, TaskKind.Detect);
        var cfg = model.Pretrained;
        var names = Detections.LabelNames(model, cfg.NumClasses, Path.GetFileName(weights));
        model.Instance.ForInference();
        var decoded = DetectionInput.Decode(images);
        var pre = ImageInput.PreprocessFor(model, weights);
        var found = new Detection[images.Count][];
        for (int i = 0; i < images.Count; i++)
        {
            var outputs = DetectPredict.Run(model, DetectionInput.Prepare(decoded[i], cfg, pre).Batch, images[i]);
            found[i] = Detections.Of(outputs, new long[] { decoded[i].Height, decoded[i].Width }, threshold, names)[0];
        }

        Directory.CreateDirectory(outDir);
        var ids = ImageIds(images);
        for (int i = 0; i < images.Count; i++)
        {
            var boxes = found[i].Select(d => new DrawnBox(d.X0, d.Y0, d.X1, d.Y1, d.Caption, d.Label)).ToArray();
            ImageFile.SavePng(Path.Combine(outDir, pictures[i]), BoxDrawing.Draw(decoded[i], boxes));
        }
        var results = images.SelectMany((path, i) => found[i].Select(d => new
        {
            image_id = ids[i], file_name = Path.GetFileName(path), category_id = d.Label, label = d.Name, bbox = d.CocoBox, score = d.Score,
        })).ToArray();
        var resultsPath = Path.Combine(outDir, ResultsFile);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(results, FiniteJson.Options);
        AtomicFile.Write(resultsPath, s => s.Write(bytes));

        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                images = images.Count, detections = results.Length, threshold, @out = outDir, results = resultsPath,
                pictures = pictures.Select(p => Path.Combine(outDir, p)).ToArray(),
                per_image = found.Select(f => f.Length).ToArray(),
            }, FiniteJson.Options));
        else
        {
            for (int i = 0; i < images.Count; i++)
            {
                Console.WriteLine($"{images[i]}: {found[i].Length} object(s) scored >= {threshold} -> {Path.Combine(outDir, pictures[i])}");
                foreach (var d in found[i]) Console.WriteLine($"  {d.Describe()}");
            }
            Console.WriteLine($"{results.Length} detection(s) in COCO's results format -> {resultsPath}");
        }
        return 0;
    }

    /// <summary>Each file name's number when every name is a distinct one (COCO's 000000397133.jpg), else 1, 2, 3, ...</summary>
    public static long[] ImageIds(IReadOnlyList<string> images)
    {
        var numbers = images.Select(p => long.TryParse(Path.GetFileNameWithoutExtension(p), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1).ToArray();
        return numbers.All(n => n >= 0) && numbers.Distinct().Count() == numbers.Length ? numbers
            : Enumerable.Range(1, images.Count).Select(i => (long)i).ToArray();
    }
}
