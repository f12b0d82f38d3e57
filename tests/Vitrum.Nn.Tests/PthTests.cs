using System.Text.Json;
using Vitrum.Nn.IO;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>torch.save files made by tools/fixtures/gen_pth.py with Debian's torch 1.13.</summary>
public class PthTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "io", name);

    [Fact]
    public void State_dict_tensors_equal_pytorch_values_for_every_dtype_and_layout()
    {
        var tensors = PthFile.Load(Fixture("state_dict.pth"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("state_dict.expected.json")));
        Assert.Equal(doc.RootElement.EnumerateObject().Count(), tensors.Count);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            var t = tensors[p.Name];
            Assert.Equal(p.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray(), t.Shape);
            var expected = p.Value.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            Assert.Equal(expected, t.ToArray());
        }
        Assert.Equal(Vitrum.Tensors.DType.Int64, tensors["ids"].DType);
        Assert.Equal(Vitrum.Tensors.DType.Float32, tensors["half"].DType);
    }

    [Fact]
    public void Nested_checkpoint_names_tensors_by_path()
    {
        var tensors = PthFile.Load(Fixture("nested.pth"));
        Assert.Equal(new[] { "model.w" }, tensors.Keys.ToArray());
        Assert.Equal(new float[] { 1, 1, 1, 1 }, tensors["model.w"].ToArray());
    }

    [Fact]
    public void Pickle_asking_for_os_system_is_refused_and_never_run()
    {
        File.Delete("/tmp/vitrum-evil");
        var e = Assert.Throws<CheckpointFormatException>(() => PthFile.Load(Fixture("evil.pth")));
        Assert.Contains("system", e.Message);
        Assert.Contains("not allowed", e.Message);
        Assert.False(File.Exists("/tmp/vitrum-evil"));
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_a_format_error()
    {
        var p = Path.Combine(Path.GetTempPath(), $"vitrum-notzip-{Guid.NewGuid():N}.pth");
        File.WriteAllText(p, "definitely not a zip archive");
        try { Assert.Throws<CheckpointFormatException>(() => PthFile.Load(p)); }
        finally { File.Delete(p); }
    }
}
