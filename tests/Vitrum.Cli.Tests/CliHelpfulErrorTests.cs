using Vitrum.Models.Swin;
using Vitrum.Nn.IO;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// Errors that say what to do: a legacy torch.save file comes with the command that re-saves it, a file of another
/// kind is named, a checkpoint of another architecture is one short line with the likely cause, and a folder with
/// too few images says how many each class has and needs.
/// </summary>
public class CliHelpfulErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-cli-err-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Io(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "io", name);

    [Theory]
    [InlineData("inspect")]
    [InlineData("predict")]
    public void A_legacy_torch_save_file_is_named_with_the_command_that_resaves_it(string command)
    {
        string[] args = command == "inspect" ? ["inspect", Io("legacy.pth")] : ["predict", "--weights", Io("legacy.pth"), "--model", "vit_mnist", Io("legacy.pth")];
        var (code, output, err) = Run(args);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        var line = OneLine(err);
        Assert.Contains("legacy.pth: a torch.save file in PyTorch's legacy format", line);
        Assert.Contains("torch.save(torch.load('legacy.pth'), 'legacy_zip.pth', _use_new_zipfile_serialization=True)", line);
        Assert.DoesNotContain("header length", line);
    }

    [Fact]
    public void A_numpy_archive_given_as_weights_is_named()
    {
        var (code, _, err) = Run("inspect", Io("arrays.npz"));
        Assert.Equal(1, code);
        Assert.Contains("arrays.npz: a zip archive without data.pkl, not a torch.save checkpoint (a NumPy .npz archive of 2 arrays)", OneLine(err));
    }

    [Fact]
    public void A_full_size_checkpoint_of_another_architecture_is_one_short_line_with_the_likely_cause()
    {
        // swin_t's 173 keys at a small width (the key lists are what matters, not the sizes)
        var path = Path.Combine(_dir, "swin_t.safetensors");
        var narrow = SwinPresets.SwinTinyPatch4Window7_224 with { EmbedDim = 8, NumHeads = [1, 1, 1, 1] };
        using (Vitrum.Nn.Init.Skip()) SafetensorsWriter.Save(path, new SwinTransformer(narrow).StateDict());
        var (code, _, err) = Run("predict", "--weights", path, "--model", "vit_tiny_patch16_224", "--input", path);
        Assert.Equal(1, code);
        var line = OneLine(err);
        Assert.True(line.Length < 1000, $"{line.Length} characters");
        Assert.Contains("swin_t.safetensors is not a checkpoint of this ViT", line);
        Assert.Matches(@"missing keys: (\S+, ){4}\S+ and \d+ more\. unexpected keys: (\S+, ){4}\S+ and \d+ more", line);
        Assert.Contains("Likely cause: the unexpected keys look like timm's Swin names: a Swin checkpoint", line);
    }

    [Fact]
    public void A_folder_with_too_few_images_per_class_says_how_many_it_found_and_needs()
    {
        for (int i = 0; i < 3; i++)
            foreach (var c in new[] { "ants", "bees" })
            {
                var p = Path.Combine(_dir, "data", c, $"{i}.png");
                Directory.CreateDirectory(Path.GetDirectoryName(p)!);
                Vitrum.Data.Images.ImageFile.SavePng(p, new Vitrum.Data.Images.DecodedImage(8, 8, 3, new byte[192]));
            }
        var config = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(config, """{"family": "vit", "img_size": 16, "patch_size": 4, "in_chans": 3, "num_classes": 2, "embed_dim": 16, "depth": 1, "num_heads": 2}""");
        var (code, _, err) = Run("train", "--model", config, "--dataset", Path.Combine(_dir, "data"), "--out", Path.Combine(_dir, "run"));
        Assert.Equal(1, code);
        var line = ErrorLine(err);
        Assert.Contains("too few images for this split: images per class: ants 3, bees 3; a class needs at least 10", line);
        Assert.DoesNotContain("holds no", line);
    }
}
