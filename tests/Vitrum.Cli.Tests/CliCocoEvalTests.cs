using System.Text.Json;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary><c>vitrum coco-eval</c> on the pycocotools fixtures: the summary COCOeval prints, the JSON line, and bad files.</summary>
public class CliCocoEvalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-coco-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string set, string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "coco", set, file);

    private static JsonElement Expected(string set) => JsonSerializer.Deserialize<JsonElement>(File.ReadAllBytes(Fixture(set, "expected.json")));

    [Fact]
    public void Prints_the_12_line_summary_pycocotools_prints_and_notes_detections_of_unlisted_categories()
    {
        var (code, output, err) = Run("coco-eval", Fixture("mixed", "gt.json"), Fixture("mixed", "dt.json"));
        Assert.True(code == 0, err);
        Assert.Equal(Expected("mixed").GetProperty("summary").EnumerateArray().Select(e => e.GetString()), output.TrimEnd('\n').Split('\n'));
        Assert.Contains("1 of the 200 detections", err);
        Assert.Contains("name a category that", err);
    }

    [Fact]
    public void With_json_prints_one_line_with_the_stats_and_each_under_its_name()
    {
        var (code, output, err) = Run("coco-eval", Fixture("boundaries", "gt.json"), Fixture("boundaries", "dt.json"), "--json");
        Assert.True(code == 0, err);
        Assert.Equal("", err);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var o = JsonSerializer.Deserialize<JsonElement>(line);
        var expected = Expected("boundaries").GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var stats = o.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(12, stats.Length);
        string[] names = ["ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large", "ar1", "ar10", "ar100", "ar_small", "ar_medium", "ar_large"];
        for (int i = 0; i < 12; i++)
        {
            Assert.True(Math.Abs(expected[i] - stats[i]) <= 1e-12, $"stats[{i}]: {stats[i]:R}, pycocotools {expected[i]:R}");
            Assert.Equal(stats[i], o.GetProperty(names[i]).GetDouble());
        }
        Assert.Equal([1L, 2, 5], o.GetProperty("per_category").EnumerateArray().Select(c => c.GetProperty("category_id").GetInt64()));
    }

    [Fact]
    public void A_malformed_file_is_one_stderr_line_naming_the_file_and_field_and_exit_1()
    {
        var dt = Path.Combine(_dir, "dt.json");
        File.WriteAllText(dt, """[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}, {"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": "high"}]""");
        var (code, output, err) = Run("coco-eval", Fixture("boundaries", "gt.json"), dt);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"vitrum: {dt}: [1].score: expected a finite number, got \"high\"", OneLine(err));

        var gt = Path.Combine(_dir, "gt.json");
        File.WriteAllText(gt, """{"images": [{"id": 1, "file_name": "a.jpg", "width": 4}], "categories": []}""");
        (code, _, err) = Run("coco-eval", gt, dt, "--json");
        Assert.Equal(1, code);
        Assert.Equal($"vitrum: {gt}: images[0]: no field 'height' (a positive integer)", OneLine(err));
    }

    [Fact]
    public void A_missing_file_or_argument_is_a_usage_error_and_help_shows_an_example()
    {
        var (code, _, err) = Run("coco-eval", Fixture("mixed", "gt.json"), Path.Combine(_dir, "none.json"));
        Assert.Equal(2, code);
        Assert.Contains("no such file", OneLine(err));
        (code, _, err) = Run("coco-eval", Fixture("mixed", "gt.json"));
        Assert.Equal(2, code);
        Assert.Contains("coco-eval: needs one DETECTIONS.json", OneLine(err));
        var help = Run("coco-eval", "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("  vitrum coco-eval instances_val2017.json detections.json --json", help.Out);
    }
}
