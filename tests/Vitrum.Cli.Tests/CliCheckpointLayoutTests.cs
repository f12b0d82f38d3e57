using Vitrum.Models.Swin;
using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Cli.Tests;

/// <summary>
/// Weights in a reference implementation's own layout and key names load through <c>vitrum predict --model CONFIG.json
/// --weights W --input X --output Y</c>, via the family's checkpoint filter, and give the reference's logits.
/// </summary>
public class CliCheckpointLayoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-layout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string family, string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", family, name);

    /// <summary>timm's small TNT of tools/fixtures/gen_tnt.py (img 24, patch 8, embed 32, inner 8, depth 2, 5 classes), with or without its legacy layout.</summary>
    private static string TntConfigJson(bool legacy)
    {
        var json = File.ReadAllText(Fixture("tnt", "small_config.json")).TrimEnd().TrimEnd('}');
        return $"{json}, \"legacy\": {(legacy ? "true" : "false")}}}";
    }

    public static TheoryData<string, string, string, string, string> References() => new()
    {
        // torchvision VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=3, hidden_dim=48, mlp_dim=96, num_classes=10)
        { "vit", new VitConfig { ImgSize = 32, PatchSize = 8, EmbedDim = 48, Depth = 2, NumHeads = 3, MlpRatio = 2, NumClasses = 10 }.ToJson(), "small_torchvision.pth", "small_expected.pth", "logits" },
        // torchvision SwinTransformer(patch_size=[2, 2], embed_dim=16, depths=[2, 2, 2], num_heads=[2, 4, 8], window_size=[4, 4]) on 26x26: padded windows
        { "swin", new SwinConfig { ImgSize = 26, PatchSize = 2, NumClasses = 10, EmbedDim = 16, Depths = new[] { 2, 2, 2 }, NumHeads = new[] { 2, 4, 8 }, WindowSize = 4 }.ToJson(),
            "small_torchvision.safetensors", "small_expected.safetensors", "logits" },
        // timm's TNT in its current keys and in its legacy layout (tnt_s_legacy_patch16_224's), each through the family's filter
        { "tnt", TntConfigJson(legacy: false), "small_current.safetensors", "small_expected.safetensors", "logits" },
        { "tnt", TntConfigJson(legacy: true), "small_legacy.safetensors", "small_expected.safetensors", "legacy_logits" },
    };

    [Theory]
    [MemberData(nameof(References))]
    public void A_reference_checkpoint_in_its_own_key_names_predicts_the_reference_logits(string family, string configJson, string weights, string expectedFile, string logitsKey)
    {
        var cfg = Path.Combine(_dir, $"{family}.json");
        File.WriteAllText(cfg, configJson);
        var expected = StateDictFile.Load(Fixture(family, expectedFile));
        var input = Path.Combine(_dir, "x.safetensors");
        var output = Path.Combine(_dir, "y.safetensors");
        SafetensorsWriter.Save(input, new Dictionary<string, Tensor> { ["input"] = expected["input"] });

        var (code, _, err) = CliRunner.Run("predict", "--model", cfg, "--weights", Fixture(family, weights), "--input", input, "--output", output, "--json");

        Assert.True(code == 0, err);
        using var y = SafetensorsFile.Open(output);
        var logits = y.Load("logits").ToArray();
        var want = expected[logitsKey].ToArray();
        Assert.Equal(want.Length, logits.Length);
        double scale = want.Max(v => Math.Abs(v)), worst = want.Zip(logits, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4 * scale, $"{family}: logits deviate by {worst} (scale {scale})");
    }
}
