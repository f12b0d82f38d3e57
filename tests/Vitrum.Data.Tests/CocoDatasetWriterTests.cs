using System.Text;
using System.Text.Json;
using Vitrum.Data.Coco;
using Xunit;

namespace Vitrum.Data.Tests;

public class CocoDatasetWriterTests
{
    [Fact]
    public void A_written_file_reads_back_to_the_same_data_set()
    {
        var original = CocoDatasetReader.Parse(Encoding.UTF8.GetBytes(CocoJsonTests.Gt), "gt.json");
        var back = CocoDatasetReader.Parse(CocoDatasetWriter.ToUtf8(original), "written.json");
        Assert.Equal(original.Images, back.Images);
        Assert.Equal(original.Annotations, back.Annotations);
        Assert.Equal(original.Categories, back.Categories);
    }

    [Fact]
    public void Numbers_keep_their_exact_values_and_whole_ones_are_written_as_integers()
    {
        var d = new CocoDataset(new[] { new CocoImage(1, "é.png", 3, 2) },
            new[] { new CocoAnnotation(1, 1, 5, new CocoBox(0.1, 1.0 / 3, 2, 1e-7), 2.0 / 3, true, false) },
            new[] { new CocoCategory(5, "five", "digit") }, "x");
        var bytes = CocoDatasetWriter.ToUtf8(d, "a test");
        Assert.Equal(d.Annotations, CocoDatasetReader.Parse(bytes, "x.json").Annotations);
        Assert.Equal("é.png", CocoDatasetReader.Parse(bytes, "x.json").Images[0].FileName);
        using var doc = JsonDocument.Parse(bytes);
        var ann = doc.RootElement.GetProperty("annotations")[0];
        Assert.Equal("2", ann.GetProperty("bbox")[2].GetRawText());
        Assert.Equal("1", ann.GetProperty("iscrowd").GetRawText());
        Assert.False(ann.TryGetProperty("ignore", out _));
        Assert.Equal("a test", doc.RootElement.GetProperty("info").GetProperty("description").GetString());
    }

    [Fact]
    public void Write_leaves_no_temporary_file_beside_the_result()
    {
        var dir = Directory.CreateTempSubdirectory("vitrum-cocow-").FullName;
        try
        {
            var d = CocoDatasetReader.Parse(Encoding.UTF8.GetBytes(CocoJsonTests.Gt), "gt.json");
            var path = Path.Combine(dir, "out.json");
            CocoDatasetWriter.Write(path, d);
            Assert.Equal(new[] { "out.json" }, Directory.GetFiles(dir).Select(Path.GetFileName));
            Assert.Equal(3, CocoDatasetReader.Read(path).Annotations.Count);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
