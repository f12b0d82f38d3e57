using System.Text.Json;
using Vitrum.Models.Transformer;
using Vitrum.Nn.IO;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary><c>vitrum g2p</c>, <c>eval --dataset cmudict</c> and <c>train --dataset cmudict</c> as processes.</summary>
public class CliG2PTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-g2p-").FullName;

    /// <summary>A small untrained model with CMUdict's vocabulary sizes: enough to exercise the commands.</summary>
    private static readonly TransformerConfig Config = TransformerPresets.G2pTransformer with
    {
        DModel = 16, NHead = 2, NumEncoderLayers = 1, NumDecoderLayers = 1, DimFeedforward = 32, MaxLen = 40,
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Weights()
    {
        var path = Path.Combine(_dir, "g2p.safetensors");
        SafetensorsWriter.Save(path, new TransformerModel(Config, seed: 1).StateDict(), new Dictionary<string, string> { ["config"] = Config.ToJson() });
        return path;
    }

    [Fact]
    public void G2p_prints_one_pronunciation_per_word_and_json()
    {
        var (code, output, err) = Run("g2p", "--weights", Weights(), "Hello", "world's", "--json");
        Assert.True(code == 0, err);
        var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var items = doc.RootElement.GetProperty("pronunciations").EnumerateArray().ToArray();
        Assert.Equal(new[] { "hello", "world's" }, items.Select(i => i.GetProperty("word").GetString()));
        var phonemes = new HashSet<string>(Vitrum.Data.Text.G2PVocab.Arpabet);
        Assert.All(items, i => Assert.All(i.GetProperty("phonemes").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries), p => Assert.Contains(p, phonemes)));
    }

    [Theory]
    [InlineData("h3llo", "'3'")]
    [InlineData("", "empty")]
    [InlineData("rock-n-roll", "'-'")]
    public void G2p_refuses_words_it_cannot_encode(string word, string expected)
    {
        var (code, output, err) = Run("g2p", "--weights", Weights(), "fine", word);
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        var line = OneLine(err);
        Assert.Contains("word 2", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void G2p_refuses_a_word_longer_than_max_len()
    {
        var (code, _, err) = Run("g2p", "--weights", Weights(), new string('a', 41));
        Assert.NotEqual(0, code);
        Assert.Contains("at most 40", OneLine(err));
    }

    [Fact]
    public void G2p_without_words_or_with_an_image_model_is_an_error()
    {
        Assert.Contains("at least one word", OneLine(Run("g2p", "--weights", Weights()).Err));
        var (code, _, err) = Run("train", "--model", "vit_mnist", "--dataset", "cmudict");
        Assert.NotEqual(0, code);
        Assert.Contains("vit_mnist classifies images", OneLine(err));
    }

    [Fact]
    public void Eval_on_cmudict_reports_wer_and_per()
    {
        var (code, output, err) = Run("eval", "--weights", Weights(), "--dataset", "cmudict", "--split", "valid", "--json");
        Assert.True(code == 0, err);
        var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.InRange(doc.GetProperty("valid_wer").GetDouble(), 0.5, 1.0); // untrained
        Assert.True(doc.GetProperty("valid_per").GetDouble() > 0.5);
        Assert.Equal(6231, doc.GetProperty("words").GetInt32());
    }

    /// <summary>A few steps of the real training command, stopped by --max-steps: a resumable checkpoint and the JSON line.</summary>
    [Fact]
    public void Train_on_cmudict_runs_steps_and_leaves_a_checkpoint()
    {
        var config = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(config, Config.ToJson());
        var outDir = Path.Combine(_dir, "run");
        var (code, output, err) = Run("train", "--model", config, "--dataset", "cmudict", "--train-words", "500", "--batch-size", "32",
            "--max-steps", "3", "--out", outDir, "--json");
        Assert.True(code == 130, err);
        var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(3, doc.GetProperty("steps").GetInt64());
        Assert.True(doc.GetProperty("interrupted").GetBoolean());
        Assert.True(File.Exists(Path.Combine(outDir, "last.ckpt.safetensors")));
    }
}
