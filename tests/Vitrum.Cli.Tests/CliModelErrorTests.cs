using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Cli.Tests;

/// <summary>Model-level mistakes a user makes on the command line: each is one line on stderr and a non-zero exit.</summary>
public class CliModelErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static string OneLine(string err) => CliRunner.OneLine(err);

    /// <summary>Writes the weights of a small 1-channel ViT (28x28, patch 7, width 16) with its config in the metadata, as train does.</summary>
    private string SmallVitWeights()
    {
        var config = VitPresets.VitMnist with { PatchSize = 7, EmbedDim = 16, Depth = 1, NumHeads = 2 };
        var model = new VisionTransformer(config, 1);
        var path = Path.Combine(_dir, "small.safetensors");
        SafetensorsWriter.Save(path, model.StateDict(), new Dictionary<string, string> { ["config"] = config.ToJson() });
        return path;
    }

    private string Input(params int[] shape)
    {
        var path = Path.Combine(_dir, "input.safetensors");
        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["input"] = Tensor.Zeros(shape) });
        return path;
    }

    [Fact]
    public void Unknown_preset_names_the_preset_and_lists_the_known_ones()
    {
        var (code, output, err) = Run("train", "--model", "vit_gigantic", "--dataset", "mnist");
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        var line = OneLine(err);
        Assert.Contains("vit_gigantic", line);
        Assert.Contains("vit_mnist", line);
    }

    [Fact]
    public void Checkpoint_of_another_architecture_is_refused_with_the_tensor_and_shapes()
    {
        var weights = SmallVitWeights();
        var (code, output, err) = Run("predict", "--weights", weights, "--model", "vit_mnist", "--input", Input(1, 1, 28, 28));
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        var line = OneLine(err);
        Assert.Contains("small.safetensors", line);
        Assert.Contains("is not a checkpoint of this ViT (embed_dim 64", line);
        Assert.Contains("patch_embed.proj.weight", line);
    }

    [Fact]
    public void Input_with_the_wrong_channel_count_is_refused_naming_the_expected_shape()
    {
        var weights = SmallVitWeights();
        var (code, output, err) = Run("predict", "--weights", weights, "--input", Input(2, 3, 28, 28));
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        var line = OneLine(err);
        Assert.Contains("[2, 3, 28, 28]", line);
        Assert.Contains("1 x H x W", line);
    }

    [Fact]
    public void Matching_weights_and_input_predict_and_end_with_json()
    {
        var weights = SmallVitWeights();
        var (code, output, err) = Run("predict", "--weights", weights, "--input", Input(2, 1, 28, 28), "--top", "3", "--json");
        Assert.True(code == 0, err);
        var last = output.Trim().Split('\n')[^1];
        Assert.StartsWith("{\"predictions\":", last);
    }
}
