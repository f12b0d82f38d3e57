using System.Text.Json;
using Vitrum.Data.Coco;
using Vitrum.Training.Coco;
using Xunit;

namespace Vitrum.Training.Tests;

/// <summary>
/// Our COCO evaluation against pycocotools' COCOeval on the synthetic sets of tools/coco/make_fixtures.py: every
/// area range, crowd regions, images without ground truth, categories without detections or without ground truth,
/// score ties, more than 100 detections of an image and category, an annotation id 0 and areas on the range bounds.
/// </summary>
public class CocoEvalFixtureTests
{
    public static TheoryData<string> Cases() => ["mixed", "boundaries", "dense", "large_only"];

    private static string Fixture(string set, string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "coco", set, file);

    private static (CocoEvalResult Ours, JsonElement Expected) Run(string set)
    {
        var gt = CocoDatasetReader.Read(Fixture(set, "gt.json"));
        var result = CocoEvaluator.Evaluate(gt, CocoResultsReader.Read(Fixture(set, "dt.json"), gt));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Fixture(set, "expected.json")));
        return (result, doc.RootElement.Clone());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_12_stats_equal_pycocotools(string set)
    {
        var (ours, expected) = Run(set);
        var stats = expected.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(12, stats.Length);
        for (int i = 0; i < 12; i++)
            Assert.True(Math.Abs(stats[i] - ours.Stats.Values[i]) <= 1e-12, $"{CocoStats.Names[i]}: ours {ours.Stats.Values[i]:R}, pycocotools {stats[i]:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_summary_is_the_text_pycocotools_prints(string set)
    {
        var (ours, expected) = Run(set);
        Assert.Equal(expected.GetProperty("summary").EnumerateArray().Select(e => e.GetString()), ours.Stats.SummaryLines());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Per_category_AP_equals_pycocotools(string set)
    {
        var (ours, expected) = Run(set);
        var perCategory = expected.GetProperty("per_category_ap").EnumerateArray()
            .Select(e => (Id: e.GetProperty("category_id").GetInt64(), Ap: e.GetProperty("ap").GetDouble())).ToArray();
        Assert.Equal(perCategory.Select(c => c.Id), ours.PerCategory.Select(c => c.CategoryId));
        foreach (var (c, o) in perCategory.Zip(ours.PerCategory))
            Assert.True(Math.Abs(c.Ap - o.Ap) <= 1e-12, $"category {c.Id}: ours {o.Ap:R}, pycocotools {c.Ap:R}");
    }
}
