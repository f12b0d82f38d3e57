using Vitrum.Models.Transformer;
using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary><c>vitrum predict</c> with a Transformer: src/tgt token ids in, logits out; bad inputs give one stderr line.</summary>
public class CliSequencePredictTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-seq-").FullName;
    private static readonly TransformerConfig Config = new()
    {
        SrcVocabSize = 10, TgtVocabSize = 11, DModel = 16, NHead = 2, NumEncoderLayers = 1, NumDecoderLayers = 1, DimFeedforward = 24, MaxLen = 16,
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The model's weights (config in the metadata unless <paramref name="withConfig"/> is false) and the config file.</summary>
    private (TransformerModel Model, string Weights, string ConfigPath) Weights(bool withConfig = true)
    {
        var model = new TransformerModel(Config, seed: 4);
        var weights = Path.Combine(_dir, "seq.safetensors");
        SafetensorsWriter.Save(weights, model.StateDict(), withConfig ? new Dictionary<string, string> { ["config"] = Config.ToJson() } : null);
        var configPath = Path.Combine(_dir, "seq.json");
        File.WriteAllText(configPath, Config.ToJson());
        return (model, weights, configPath);
    }

    private string Input(Tensor src, Tensor tgt, string srcName = "src")
    {
        var path = Path.Combine(_dir, "x.safetensors");
        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { [srcName] = src, ["tgt"] = tgt });
        return path;
    }

    private static readonly Tensor Src = Tensor.FromLongs([3, 4, 5, 6, 7, 0], 2, 3);
    private static readonly Tensor Tgt = Tensor.FromLongs([1, 8, 9, 10, 1, 4, 0, 0], 2, 4);

    [Fact]
    public void Predict_writes_the_logits_of_src_and_tgt_with_a_config_file()
    {
        var (model, weights, configPath) = Weights(withConfig: false);
        var output = Path.Combine(_dir, "y.safetensors");
        var (code, stdout, err) = Run("predict", "--model", configPath, "--weights", weights, "--input", Input(Src, Tgt), "--output", output, "--json");
        Assert.True(code == 0, err);
        Assert.Contains("\"logits_shape\":[2,4,11]", stdout.Trim().Split('\n')[^1]);
        Tensor expected;
        model.Eval();
        using (GradMode.NoGrad()) expected = model.Forward(Src, Tgt);
        using var f = SafetensorsFile.Open(output);
        var got = f.Load("logits");
        Assert.Equal(new[] { 2, 4, 11 }, got.Shape);
        Assert.Equal(expected.ToArray(), got.ToArray());
    }

    [Fact]
    public void Predict_finds_the_config_in_the_weights_metadata()
    {
        var (_, weights, _) = Weights();
        var (code, stdout, err) = Run("predict", "--weights", weights, "--input", Input(Src, Tgt));
        Assert.True(code == 0, err);
        Assert.Contains("sequence 1:", stdout);
    }

    [Theory]
    [InlineData("out_of_vocabulary", "src [2, 3] holds token id 10 at [1, 1], outside the vocabulary [0, 10)")]
    [InlineData("too_long", "tgt [1, 17] has sequences of 17 tokens, longer than max_len 16")]
    [InlineData("empty", "src [1, 0] is empty")]
    [InlineData("float", "src is Float32 [2, 3]; expected int64")]
    [InlineData("missing", "has no tensor named 'src' (expected int64 token ids N x S)")]
    public void Bad_token_inputs_give_one_line_naming_the_tensor(string kind, string expected)
    {
        var (_, weights, _) = Weights();
        var input = kind switch
        {
            "out_of_vocabulary" => Input(Tensor.FromLongs([3, 4, 5, 6, 10, 0], 2, 3), Tgt),
            "too_long" => Input(Tensor.FromLongs([3, 4], 1, 2), Tensor.FromLongs(Enumerable.Repeat(4L, 17).ToArray(), 1, 17)),
            "empty" => Input(Tensor.FromLongs([], 1, 0), Tensor.FromLongs([1], 1, 1)),
            "float" => Input(Tensor.Zeros(2, 3), Tgt),
            _ => Input(Src, Tgt, srcName: "source"),
        };
        var (code, stdout, err) = Run("predict", "--weights", weights, "--input", input);
        Assert.NotEqual(0, code);
        Assert.Equal("", stdout);
        Assert.Contains(expected, OneLine(err));
    }

    [Fact]
    public void A_checkpoint_of_other_sizes_gives_one_line_naming_the_mismatch()
    {
        var (_, weights, _) = Weights(withConfig: false);
        var other = Path.Combine(_dir, "other.json");
        File.WriteAllText(other, (Config with { DimFeedforward = 32 }).ToJson());
        var (code, _, err) = Run("predict", "--model", other, "--weights", weights, "--input", Input(Src, Tgt));
        Assert.NotEqual(0, code);
        var line = OneLine(err);
        Assert.Contains("seq.safetensors is not a checkpoint of this Transformer", line);
        Assert.Contains("linear1.weight: checkpoint [24, 16] vs model [32, 16]", line);
    }

    [Fact]
    public void A_vit_checkpoint_given_to_a_transformer_config_gives_one_line()
    {
        var (_, _, configPath) = Weights();
        var vit = Path.Combine(_dir, "vit.safetensors");
        SafetensorsWriter.Save(vit, new VisionTransformer(VitPresets.VitMnist with { EmbedDim = 16, Depth = 1, NumHeads = 2 }).StateDict());
        var (code, _, err) = Run("predict", "--model", configPath, "--weights", vit, "--input", Input(Src, Tgt));
        Assert.NotEqual(0, code);
        var line = OneLine(err);
        Assert.Contains("vit.safetensors is not a checkpoint of this Transformer (d_model 16", line);
        Assert.Contains("missing keys: src_embed.weight", line);
    }
}
