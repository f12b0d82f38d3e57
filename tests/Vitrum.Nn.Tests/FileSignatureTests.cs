using System.IO.Compression;
using System.Text;
using Vitrum.Nn.IO;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>
/// A weights file of another kind is named by its first bytes instead of "header length N is impossible": an old
/// torch.save file (with the command that re-saves it), ONNX, NumPy archives, images, compressed files, HDF5,
/// web pages, Git LFS pointers and text (tests/fixtures/io: tools/fixtures/gen_not_weights.py).
/// </summary>
public class FileSignatureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-sig-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "io", name);

    private static string Refusal(string path) => Assert.Throws<CheckpointFormatException>(() => StateDictFile.Load(path)).Message;

    [Fact]
    public void A_legacy_torch_save_file_is_named_with_the_one_line_command_that_resaves_it_as_a_zip()
    {
        var message = Refusal(Fixture("legacy.pth"));
        Assert.StartsWith("legacy.pth: a torch.save file in PyTorch's legacy format", message);
        Assert.Contains("python -c \"import torch; torch.save(torch.load('legacy.pth'), 'legacy_zip.pth', _use_new_zipfile_serialization=True)\"", message);
        Assert.DoesNotContain("header length", message);
        Assert.DoesNotContain('\n', message);
    }

    [Theory]
    [InlineData("tiny.onnx", "an ONNX model")]
    [InlineData("arrays.npz", "a NumPy .npz archive of 2 arrays")]
    public void Files_made_by_other_tools_are_named(string fixture, string kind) =>
        Assert.Contains(kind, Refusal(Fixture(fixture)));

    public static TheoryData<string, byte[], string> Others() => new()
    {
        { "png", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3, 4], "a PNG image" },
        { "jpeg", [0xff, 0xd8, 0xff, 0xe0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0], "a JPEG image" },
        { "hdf5", [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 8, 8, 0], "an HDF5 file (Keras .h5 weights?)" },
        { "gzip", Gzip("weights"), "a gzip file" },
        { "json", Encoding.UTF8.GetBytes("{\n  \"family\": \"vit\",\n  \"img_size\": 224\n}\n"), "a JSON text file" },
        { "lfs", Encoding.UTF8.GetBytes("version https://git-lfs.example/spec/v1\noid sha256:abc\nsize 123\n"), "a Git LFS pointer" },
        { "html", Encoding.UTF8.GetBytes("<!DOCTYPE html><html><head><title>Sign in</title></head></html>"), "an HTML page" },
        { "text", Encoding.UTF8.GetBytes("these are not the weights you are looking for\n"), "a text file" },
    };

    private static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }

    [Theory]
    [MemberData(nameof(Others))]
    public void A_file_of_another_kind_is_named_by_its_magic_bytes(string name, byte[] bytes, string kind)
    {
        var path = Path.Combine(_dir, name + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var message = Refusal(path);
        Assert.Equal($"{name}.safetensors: {kind}", message[..(name.Length + ".safetensors: ".Length + kind.Length)]);
        Assert.Contains("not a safetensors or torch.save zip file", message);
        Assert.DoesNotContain("header length", message);
    }

    [Fact]
    public void Unrecognised_bytes_keep_the_safetensors_problem_and_say_so()
    {
        var path = Path.Combine(_dir, "noise.bin");
        File.WriteAllBytes(path, [0x10, 0x20, 0xff, 0x00, 0x00, 0x07, 0x00, 0x01, 0x02, 0x03]);
        Assert.Matches(@"^noise\.bin: header length \d+ is impossible for a file of 10 bytes \(not a safetensors file\)$", Refusal(path));
    }
}
