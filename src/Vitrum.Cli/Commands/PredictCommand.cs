using System.Text.Json;
using Vitrum.Models;
using Vitrum.Models.Transformer;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum predict --weights W [--model M] IMAGE... [--top K]</c>: top-k labels with probabilities for PNG/JPEG
/// images (prepared as the checkpoint's metadata says); or <c>--input X.safetensors [--output Y.safetensors]</c>:
/// the tensor <c>input</c> (N x C x H x W, already normalized) in, <c>logits</c> out.
/// Sequence-to-sequence models (Transformer) read <c>src</c> and <c>tgt</c> instead (<see cref="SequencePredict"/>), object
/// detectors give detections and DETR's outputs (<see cref="DetectPredict"/>).
/// </summary>
public static class PredictCommand
{
    public static int Run(string weights, string? modelArg, IReadOnlyList<string> images, string? input, string? output, string? dataset, int top,
        double threshold, bool json)
    {
        if ((input == null) == (images.Count == 0)) throw new CliException("predict needs either IMAGE files or --input X.safetensors (not both)");
        var config = WeightsFile.Config(weights, modelArg);
        switch (ModelChoice.TaskOf(config))
        {
            case TaskKind.Seq2Seq:
                return input != null ? SequencePredict.Run((TransformerConfig)config, weights, input, output, json)
                    : throw new CliException("a sequence-to-sequence model predicts from --input X.safetensors (src and tgt token ids), not from images");
            case TaskKind.Detect:
                return dataset == null ? DetectPredict.Run(weights, modelArg, images, input, output, threshold, json)
                    : throw new CliException("--dataset names the classes of image classifiers; a detector's come from its weights' metadata (COCO's for 91 classes)");
            case not TaskKind.Classify:
                throw new CliException($"'{config.Family}' models cannot predict from the command line yet");
        }
        var model = WeightsFile.Load(weights, modelArg);
        Tensor x;
        if (input != null)
        {
            using var f = SafetensorsFile.Open(input);
            if (!f.Contains("input")) throw new CliException($"{Path.GetFileName(input)} has no tensor named 'input' (expected N x C x H x W)", ExitCodes.Failure);
            x = f.Load("input");
            if (x.DType != DType.Float32 || x.Rank != 4 || x.Shape[1] != model.InChannels)
                throw new CliException($"{Path.GetFileName(input)}: input is {x.DType} {ShapeUtil.Format(x.Shape)}, expected float N x {model.InChannels} x H x W", ExitCodes.Failure);
        }
        else x = ImageInput.Load(images, model, ImageInput.PreprocessFor(model, weights), out _);
        model.Instance.ForInference();
        Tensor logits;
        using (GradMode.NoGrad()) logits = model.Module.Forward(x);
        if (output != null) SafetensorsWriter.Save(output, new Dictionary<string, Tensor> { ["logits"] = logits });
        using var probs = Ops.Softmax(logits, -1);
        var names = ImageInput.ClassNames(model, dataset, probs.Shape[1]);
        int k = Math.Min(top, probs.Shape[1]);
        var rows = new List<object>();
        var lines = new List<string>();
        for (int i = 0; i < probs.Shape[0]; i++)
        {
            var best = ImageClassifier.TopK(probs.Select(0, i).ToArray(), names, k);
            var label = input != null ? $"image {i}" : images[i];
            lines.Add($"{label}: " + string.Join(", ", best.Select(c => $"{c.Label} ({c.Probability:P1})")));
            rows.Add(new { image = input != null ? (object)i : images[i], top = best.Select(c => new { @class = c.Class, label = c.Label, probability = c.Probability }).ToArray() });
        }
        if (json) Console.WriteLine(JsonSerializer.Serialize(new { predictions = rows, output }, FiniteJson.Options));
        else lines.ForEach(Console.WriteLine);
        return 0;
    }
}
