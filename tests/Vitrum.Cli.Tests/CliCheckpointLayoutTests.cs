using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Cli.Tests;

/// <summary>Weights in a reference implementation's own layout load through the CLI, via the family's checkpoint filter.</summary>
public class CliCheckpointLayoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-layout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "vit", name);

    /// <summary>The small torchvision VisionTransformer of tools/fixtures/gen_vit.py, its torchvision-named .pth, and its logits.</summary>
    [Fact]
    public void A_torchvision_vit_checkpoint_predicts_torchvision_logits()
    {
        var config = new VitConfig { ImgSize = 32, PatchSize = 8, EmbedDim = 48, Depth = 2, NumHeads = 3, MlpRatio = 2, NumClasses = 10 };
        var cfg = Path.Combine(_dir, "small.json");
        File.WriteAllText(cfg, config.ToJson());
        var expected = PthFile.Load(Fixture("small_expected.pth"));
        var input = Path.Combine(_dir, "x.safetensors");
        var output = Path.Combine(_dir, "y.safetensors");
        SafetensorsWriter.Save(input, new Dictionary<string, Tensor> { ["input"] = expected["input"] });

        var (code, _, err) = CliRunner.Run("predict", "--model", cfg, "--weights", Fixture("small_torchvision.pth"), "--input", input, "--output", output, "--json");

        Assert.True(code == 0, err);
        using var y = SafetensorsFile.Open(output);
        var logits = y.Load("logits").ToArray();
        var want = expected["logits"].ToArray();
        Assert.Equal(want.Length, logits.Length);
        double scale = want.Max(v => Math.Abs(v)), worst = want.Zip(logits, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4 * scale, $"logits deviate by {worst} (scale {scale})");
    }
}
