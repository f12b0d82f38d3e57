using System.Text.Json;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Threading;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum predict --weights W [--model M] --input X.safetensors --output Y.safetensors</c>: runs the model on the
/// tensor <c>input</c> (N x C x H x W, already normalized) and writes <c>logits</c>; prints the top-k classes per image.
/// Sequence-to-sequence models (Transformer) read <c>src</c> and <c>tgt</c> instead (<see cref="SequencePredict"/>).
/// </summary>
public static class PredictCommand
{
    public static int Run(CliArgs args)
    {
        var weights = args.Required("weights");
        var modelArg = args.String("model");
        var input = args.Required("input");
        var output = args.String("output");
        int top = args.Int("top", 5, 1, 1000);
        WorkerPool.ThreadCount = args.Int("threads", Environment.ProcessorCount, 1, 256);
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        if (SequencePredict.ConfigOf(weights, modelArg) is { } sequenceModel) return SequencePredict.Run(sequenceModel, weights, input, output, json);
        var model = WeightsFile.Load(weights, modelArg);
        Tensor x;
        using (var f = SafetensorsFile.Open(input))
        {
            if (!f.Contains("input")) throw new CliException($"{Path.GetFileName(input)} has no tensor named 'input' (expected N x C x H x W)");
            x = f.Load("input");
        }
        if (x.DType != DType.Float32 || x.Rank != 4 || x.Shape[1] != model.InChannels)
            throw new CliException($"{Path.GetFileName(input)}: input is {x.DType} {ShapeUtil.Format(x.Shape)}, expected float N x {model.InChannels} x H x W");
        model.Module.Eval();
        Tensor logits;
        using (GradMode.NoGrad()) logits = model.Module.Forward(x);
        if (output != null) SafetensorsWriter.Save(output, new Dictionary<string, Tensor> { ["logits"] = logits });
        using var probs = Ops.Softmax(logits, -1);
        int k = Math.Min(top, probs.Shape[1]);
        var rows = new List<object>();
        for (int i = 0; i < probs.Shape[0]; i++)
        {
            var p = probs.Select(0, i).ToArray();
            var best = Enumerable.Range(0, p.Length).OrderByDescending(j => p[j]).Take(k).ToArray();
            if (!json) Console.WriteLine($"image {i}: " + string.Join(", ", best.Select(j => $"{j} ({p[j]:P1})")));
            rows.Add(best.Select(j => new { @class = j, probability = p[j] }).ToArray());
        }
        Console.WriteLine(JsonSerializer.Serialize(new { predictions = rows, output }));
        return 0;
    }
}
