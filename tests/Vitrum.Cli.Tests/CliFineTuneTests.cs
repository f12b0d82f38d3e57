using System.Text.Json;
using Vitrum.Nn.IO;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// Fine-tuning as a timm user does it, end to end: a ViT (vit_tiny_patch16_224's shape, scaled down) with a preset's
/// 1000-way head, started from a checkpoint in torchvision's layout or in DeiT's {"model": ...} wrapper (trained at
/// another image size and class count), trains on a folder of three digit classes (RGB PNG and JPEG): the head is
/// sized to the folder and re-initialised with one line, and <c>predict</c> names the folder's classes.
/// </summary>
public class CliFineTuneTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-finetune-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string family, string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", family, name);

    /// <summary>vit_tiny_patch16_224's fields at 64x64 with patch 8, width 48 and 2 blocks: the fixtures' architecture at twice their image size.</summary>
    private string Config()
    {
        var p = Path.Combine(_dir, "vit_small.json");
        File.WriteAllText(p, """{"family": "vit", "img_size": 64, "patch_size": 8, "embed_dim": 48, "depth": 2, "num_heads": 3, "mlp_ratio": 2, "num_classes": 1000}""");
        return p;
    }

    private string Digits() => Directory.Exists(Path.Combine(_dir, "digits")) ? Path.Combine(_dir, "digits") : DigitFolder.Write(Path.Combine(_dir, "digits"), perClass: 20, seed: 11);

    private (string Out, string Err) Train(string run, int epochs, params string[] extra)
    {
        var outDir = Path.Combine(_dir, run);
        var (code, output, err) = Run(new[] { "train", "--model", Config(), "--dataset", Digits(), "--epochs", epochs.ToString(), "--batch-size", "8",
            "--lr", "3e-3", "--warmup-epochs", "0", "--out", outDir, "--threads", "1", "--json" }.Concat(extra).ToArray());
        Assert.True(code == 0, err);
        return (outDir, err);
    }

    private static string[] HeadLines(string err) => err.Split('\n').Where(l => l.StartsWith("head:", StringComparison.Ordinal)).ToArray();

    private static string[] Predicted(string weights, string image, int top)
    {
        var (code, output, err) = Run("predict", "--weights", weights, image, "--top", top.ToString(), "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(LastLine(output));
        return doc.RootElement.GetProperty("predictions")[0].GetProperty("top").EnumerateArray().Select(c => c.GetProperty("label").GetString()!).ToArray();
    }

    private string NewImage(string digit)
    {
        var p = Path.Combine(_dir, $"new_{digit}.png");
        DigitFolder.Save(p, DigitFolder.Draw(digit, new Random(99)));
        return p;
    }

    /// <summary>The training loss of the first and the last epoch (metrics.jsonl).</summary>
    private static (double First, double Last) TrainLoss(string outDir)
    {
        var lines = File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl"));
        double Loss(string line) => JsonDocument.Parse(line).RootElement.GetProperty("train_loss").GetDouble();
        return (Loss(lines[0]), Loss(lines[^1]));
    }

    [Fact]
    public void Fine_tuning_a_torchvision_checkpoint_trains_a_three_way_head_and_predict_names_the_folder_s_classes()
    {
        var (outDir, err) = Train("tv", 6, "--pretrained", Fixture("vit", "small_torchvision.pth"));

        Assert.Equal(new[] { "head: 10 -> 3 classes, re-initialised" }, HeadLines(err));
        var weights = Path.Combine(outDir, "last.safetensors");
        using (var f = SafetensorsFile.Open(weights))
        {
            Assert.Equal(new[] { 3, 48 }, f.Load("head.weight").Shape);
            Assert.Equal(new[] { 1, 65, 48 }, f.Load("pos_embed").Shape);
            Assert.Equal(DigitFolder.Classes, JsonSerializer.Deserialize<string[]>(f.Metadata["classes"]));
            // The weights' preprocessing (timm's vit cfg: inception mean/std, crop 0.9) is the run's.
            Assert.Equal("[0.5,0.5,0.5]", f.Metadata["mean"]);
            Assert.Equal("0.9", f.Metadata["crop_pct"]);
        }
        var loss = TrainLoss(outDir);
        Assert.True(loss.Last < 0.9 * loss.First, $"train loss {loss.First} in the first epoch, {loss.Last} in the last: the 3-way head did not learn");
        Assert.Equal(DigitFolder.Classes, Predicted(weights, NewImage("seven"), top: 3).Order(StringComparer.Ordinal));
        Assert.Contains(Predicted(weights, NewImage("zero"), top: 1).Single(), DigitFolder.Classes);
        var (code, _, evalErr) = Run("eval", "--weights", weights, "--dataset", Digits(), "--json");
        Assert.True(code == 0, evalErr);
    }

    [Fact]
    public void A_checkpoint_wrapped_as_deit_ships_it_fine_tunes_at_another_img_size_with_layer_decay()
    {
        var (outDir, err) = Train("deit", 2, "--initial-checkpoint", Fixture("finetune", "vit_small_deit_wrapped.pth"), "--layer-decay", "0.65", "--img-size", "48");

        Assert.Equal(new[] { "head: 10 -> 3 classes, re-initialised" }, HeadLines(err));
        var weights = Path.Combine(outDir, "last.safetensors");
        using (var f = SafetensorsFile.Open(weights))
        {
            Assert.Equal(new[] { 3, 48 }, f.Load("head.weight").Shape);
            Assert.Equal(new[] { 1, 37, 48 }, f.Load("pos_embed").Shape);
            Assert.Contains("\"img_size\":48", f.Metadata["config"]);
        }
        Assert.Contains(Predicted(weights, NewImage("one"), top: 1).Single(), DigitFolder.Classes);
    }

    [Fact]
    public void Without_pretrained_weights_the_head_is_sized_to_the_folder_or_to_num_classes()
    {
        var (folderSized, err) = Train("scratch", 1);
        Assert.Empty(HeadLines(err));
        using (var f = SafetensorsFile.Open(Path.Combine(folderSized, "last.safetensors")))
        {
            Assert.Equal(new[] { 3, 48 }, f.Load("head.weight").Shape);
            Assert.Contains("\"num_classes\":3", f.Metadata["config"]);
        }

        var (wider, _) = Train("five", 1, "--num-classes", "5");
        var weights = Path.Combine(wider, "last.safetensors");
        using (var f = SafetensorsFile.Open(weights)) Assert.Equal(new[] { 5, 48 }, f.Load("head.weight").Shape);
        Assert.Equal(DigitFolder.Classes.Concat(new[] { "3", "4" }).Order(StringComparer.Ordinal), Predicted(weights, NewImage("one"), top: 5).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Fewer_classes_than_the_folder_holds_and_weights_of_another_model_are_refused_in_one_line()
    {
        var (code, _, err) = Run("train", "--model", Config(), "--dataset", Digits(), "--num-classes", "2", "--out", Path.Combine(_dir, "two"));
        Assert.NotEqual(0, code);
        Assert.Equal("vitrum: --num-classes 2 is fewer than the 3 classes of " + Digits() + " (one, seven, zero)", OneLine(err));
        Assert.False(Directory.Exists(Path.Combine(_dir, "two")));

        (code, _, err) = Run("train", "--model", Config(), "--dataset", Digits(), "--pretrained", Fixture("swin", "small_timm.safetensors"), "--out", Path.Combine(_dir, "swin"));
        Assert.NotEqual(0, code);
        Assert.StartsWith("vitrum: --pretrained small_timm.safetensors is not a checkpoint of this ViT (embed_dim 48", OneLine(err));
    }
}
