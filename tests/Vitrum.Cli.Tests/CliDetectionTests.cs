using System.Text.Json;
using Vitrum.Models.Resnet;
using Vitrum.Nn.IO;
using Vitrum.Training.Tests;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// <c>train</c> and <c>eval</c> for a DETR on a COCO folder (<see cref="TinyScenes"/>, the digit scenes' layout), as a
/// user runs them: the JSON contracts, the loss terms in the epoch lines, fine-tuning with another class count, a
/// ResNet checkpoint as the backbone, and one-line errors for what does not fit.
/// </summary>
public class CliDetectionTests : IDisposable
{
    private static readonly string[] Stats = ["ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large", "ar1", "ar10", "ar100", "ar_small", "ar_medium", "ar_large"];

    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-cli-detect-").FullName;
    private readonly string _scenes, _config;

    public CliDetectionTests()
    {
        _scenes = TinyScenes.Write(Path.Combine(_dir, "scenes"));
        _config = Path.Combine(_dir, "tiny_detr.json");
        File.WriteAllText(_config, TinyScenes.ConfigJson);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Train(string run, params string[] extra) => TrainOn(_scenes, run, extra);

    private (int Code, string Out, string Err) TrainOn(string dataset, string run, params string[] extra) =>
        Run(new[] { "train", "--model", _config, "--dataset", dataset, "--epochs", "1", "--batch-size", "4", "--out", Path.Combine(_dir, run), "--threads", "1", "--json" }
            .Concat(extra).ToArray());

    [Fact]
    public void Train_reports_loss_terms_and_coco_json_eval_scores_the_weights_and_fine_tuning_to_more_classes_reinitialises_class_embed()
    {
        var (code, output, err) = Train("run");
        Assert.True(code == 0, err);
        Assert.Contains("train loss ce", err);
        Assert.Contains("train cardinality error", err);
        Assert.Contains("val AP", err);
        using (var doc = JsonDocument.Parse(LastLine(output)))
        {
            var root = doc.RootElement;
            foreach (var name in Stats) Assert.InRange(root.GetProperty("test_" + name).GetDouble(), -1, 1);
            Assert.Equal(1, root.GetProperty("epochs").GetInt32());
            Assert.Equal(2, root.GetProperty("steps").GetInt64());
            Assert.True(root.GetProperty("seconds").GetDouble() > 0);
            Assert.Equal(Path.Combine(_dir, "run"), root.GetProperty("out_dir").GetString());
        }
        var best = Path.Combine(_dir, "run", "best.safetensors");
        (code, output, err) = Run("eval", "--weights", best, "--dataset", _scenes, "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(LastLine(output)))
        {
            foreach (var name in Stats) Assert.InRange(doc.RootElement.GetProperty("test_" + name).GetDouble(), -1, 1);
            Assert.Equal(TinyScenes.Options.TestScenes, doc.RootElement.GetProperty("images").GetInt32());
        }
        (code, output, err) = Run("eval", "--weights", best, "--dataset", _scenes);
        Assert.True(code == 0, err);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal(12, lines.Length);
        Assert.StartsWith(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ", lines[0]);

        (code, _, err) = Train("finetune", "--pretrained", best, "--num-classes", "13");
        Assert.True(code == 0, err);
        Assert.Single(err.Split('\n'), l => l == "class_embed: 12 -> 14 outputs (num_classes 13 + no object), re-initialised");
    }

    [Fact]
    public void A_resnet_classification_checkpoint_loads_into_the_backbone_without_its_fc()
    {
        var weights = Path.Combine(_dir, "resnet_mnist.safetensors");
        SafetensorsWriter.Save(weights, new ResNet(ResnetPresets.ResnetMnist, seed: 4).StateDict());
        var (code, _, err) = Train("backbone", "--backbone-weights", weights, "--max-steps", "1");
        Assert.True(code == 130, err);
        Assert.Contains("backbone: 60 tensors loaded from resnet_mnist.safetensors into backbone.0.body", err);
    }

    [Fact]
    public void Input_that_does_not_fit_a_detector_gives_one_error_line()
    {
        var (code, _, err) = TrainOn("mnist", "x");
        Assert.Equal(2, code);
        Assert.Contains("--dataset mnist is not a detection data set", OneLine(err));

        (code, _, err) = Train("x", "--num-classes", "5");
        Assert.Equal(2, code);
        Assert.Contains("--num-classes 5 is too few", ErrorLine(err));

        (code, _, err) = Train("x", "--mixup", "0.2");
        Assert.Equal(2, code);
        Assert.Contains("--mixup only applies to image classification, not to object detection", OneLine(err));

        var notResnet = Path.Combine(_dir, "not_resnet.safetensors");
        SafetensorsWriter.Save(notResnet, new Dictionary<string, Vitrum.Tensors.Tensor> { ["conv1.weight"] = Vitrum.Tensors.Tensor.Zeros(16, 1, 3, 3) });
        (code, _, err) = Train("x", "--backbone-weights", notResnet);
        Assert.Equal(1, code);
        var line = ErrorLine(err);
        Assert.Contains("not_resnet.safetensors is not a checkpoint of this DETR's backbone (resnet_mnist)", line);
        Assert.Contains("conv1.weight [16, 1, 3, 3] vs [16, 1, 7, 7]", line);

        (code, _, err) = Run("train", "--model", "resnet_mnist", "--dataset", _scenes, "--out", Path.Combine(_dir, "y"));
        Assert.Equal(2, code);
        Assert.Contains("holds boxes for detection models", OneLine(err));
    }
}
