using System.Text.Json;
using Vitrum.Models;
using Vitrum.Models.Transformer;
using Vitrum.Nn;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum predict</c> for sequence-to-sequence models: the input file holds <c>src</c> [N, S] and <c>tgt</c>
/// [N, T] int64 token ids, the output gets teacher-forced <c>logits</c> [N, T, V].
/// </summary>
public static class SequencePredict
{
    public static int Run(TransformerConfig config, string weights, string input, string? output, bool json)
    {
        TransformerModel model;
        using (Init.Skip()) model = new TransformerModel(config);
        var tensors = WeightsFile.ReadTensors(weights, out _);
        TransformerWeights.Load(model, tensors, Path.GetFileName(weights));
        Tensor src, tgt;
        using (var f = SafetensorsFile.Open(input))
        {
            src = Load(f, input, "src", "N x S");
            tgt = Load(f, input, "tgt", "N x T");
        }
        model.Eval();
        Tensor logits;
        using (GradMode.NoGrad()) logits = model.Forward(src, tgt);
        if (output != null) SafetensorsWriter.Save(output, new Dictionary<string, Tensor> { ["logits"] = logits });
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { logits_shape = logits.Shape, output }));
        else
            for (int i = 0; i < logits.Shape[0]; i++)
                Console.WriteLine($"sequence {i}: most likely next tokens " + string.Join(" ", Ops.ArgMax(logits.Select(0, i), 1).ToLongArray()));
        return 0;
    }

    private static Tensor Load(SafetensorsFile f, string path, string name, string shape) =>
        f.Contains(name) ? f.Load(name) : throw new CliException($"{Path.GetFileName(path)} has no tensor named '{name}' (expected int64 token ids {shape})", ExitCodes.Failure);
}
