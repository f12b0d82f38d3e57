using System.Text.Json;
using Vitrum.Models;
using Vitrum.Models.Detr;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum predict</c> for object detectors (DETR): from <c>--input X.safetensors</c> (<c>input</c> [N, C, H, W]
/// normalized, optional <c>mask</c> [N, H, W] with 1 = padding) it writes DETR's outputs to <c>--output</c>
/// (<c>pred_logits</c>, <c>pred_boxes</c> and, with auxiliary outputs, <c>aux_outputs.{i}.pred_logits</c> /
/// <c>aux_outputs.{i}.pred_boxes</c>); from image files it runs each as DETR's val transform prepares it. Either way it
/// prints the detections scored at least the threshold (label, score, box in pixels), as <c>vitrum detect</c> without drawing.
/// </summary>
public static class DetectPredict
{
    public static int Run(string weights, string? modelArg, IReadOnlyList<string> images, string? input, string? output, double threshold, bool json)
    {
        var model = WeightsFile.Load(weights, modelArg, TaskKind.Detect);
        var cfg = model.Pretrained;
        var names = Detections.LabelNames(model, cfg.NumClasses, Path.GetFileName(weights));
        model.Instance.ForInference();
        var results = new List<(object Image, long[] Size, Detection[] Found)>();
        if (input != null)
        {
            var batch = DetectionInput.ReadTensors(input, cfg.InChans);
            var outputs = Run(model, batch, Path.GetFileName(input));
            if (output != null) SafetensorsWriter.Save(output, Flatten(outputs));
            var sizes = DetectionInput.UnpaddedSizes(batch);
            var found = Detections.Of(outputs, sizes, threshold, names);
            for (int i = 0; i < found.Length; i++) results.Add((i, sizes[(2 * i)..(2 * i + 2)], found[i]));
        }
        else
        {
            if (output != null) throw new CliException("--output writes the outputs of --input tensors; for images use vitrum detect --out DIR");
            var decoded = DetectionInput.Decode(images);
            var pre = ImageInput.PreprocessFor(model, weights);
            for (int i = 0; i < images.Count; i++)
            {
                var size = new long[] { decoded[i].Height, decoded[i].Width };
                var outputs = Run(model, DetectionInput.Prepare(decoded[i], cfg, pre).Batch, images[i]);
                results.Add((images[i], size, Detections.Of(outputs, size, threshold, names)[0]));
            }
        }
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                predictions = results.Select(r => new
                {
                    image = r.Image, height = r.Size[0], width = r.Size[1],
                    detections = r.Found.Select(d => new { query = d.Query, category_id = d.Label, label = d.Name, score = d.Score, box = d.Box }).ToArray(),
                }).ToArray(),
                threshold, output,
            }, FiniteJson.Options));
        else
            foreach (var (image, _, found) in results)
            {
                Console.WriteLine($"{(image is int i ? $"image {i}" : image)}: {found.Length} object(s) scored >= {threshold}");
                foreach (var d in found) Console.WriteLine($"  {d.Describe()}");
            }
        return 0;
    }

    /// <summary>One no-grad forward; a batch the model refuses (a mask that covers a whole image) is an error naming <paramref name="source"/>.</summary>
    public static DetrOutput Run(ModelHandle model, ImageBatch batch, string source)
    {
        using var _ = GradMode.NoGrad();
        try { return model.Detector.Forward(batch); }
        catch (ArgumentException e) { throw new CliException($"{source}: {e.Message}", ExitCodes.Failure); }
    }

    /// <summary>DETR's output dict as named tensors: pred_logits, pred_boxes, aux_outputs.{i}.pred_logits, aux_outputs.{i}.pred_boxes.</summary>
    public static IEnumerable<KeyValuePair<string, Tensor>> Flatten(DetrOutput output)
    {
        yield return new("pred_logits", output.PredLogits);
        yield return new("pred_boxes", output.PredBoxes);
        for (int i = 0; i < output.AuxOutputs.Count; i++)
        {
            yield return new($"aux_outputs.{i}.pred_logits", output.AuxOutputs[i].PredLogits);
            yield return new($"aux_outputs.{i}.pred_boxes", output.AuxOutputs[i].PredBoxes);
        }
    }
}
