using System.Text.Json;
using Vitrum.Data.Coco;
using Vitrum.Data.Detection;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>
/// The detection transforms against facebookresearch/detr's datasets/coco.py and datasets/transforms.py, run on the
/// same images and boxes by tools/fixtures/gen_detr_transforms.py: every step's boxes, labels and image size equal
/// the official code's float32 values exactly.
/// </summary>
public class DetrTransformFixtureTests
{
    private static readonly JsonElement[] Cases = LoadCases();

    private static JsonElement[] LoadCases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "detection", "transforms.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    }

    public static TheoryData<string> CaseNames() => new(Cases.Select(c => c.GetProperty("name").GetString()!));

    [Fact]
    public void The_fixture_covers_every_step_kind()
    {
        var ops = Cases.SelectMany(c => c.GetProperty("steps").EnumerateArray()).Select(s => s.GetProperty("op").GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { "hflip", "resize", "crop", "normalize" }, ops);
        Assert.Contains(Cases, c => c.GetProperty("annotations").EnumerateArray().Any(a => a.GetProperty("iscrowd").GetInt32() == 1));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Boxes_labels_and_sizes_equal_the_official_transforms(string name)
    {
        var c = Cases.Single(x => x.GetProperty("name").GetString() == name);
        int width = c.GetProperty("width").GetInt32(), height = c.GetProperty("height").GetInt32();
        var sample = new DetectionSample();
        sample.Image.Resize(3, height, width).Fill(0.5f);
        sample.Boxes.AddRange(DetectionBoxes.FromCoco(Annotations(c), width, height));
        AssertSame(c.GetProperty("prepared"), Pixels(sample), "prepared");

        var steps = c.GetProperty("steps").EnumerateArray().ToArray();
        var results = c.GetProperty("results").EnumerateArray().ToArray();
        for (int i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            var op = step.GetProperty("op").GetString();
            var gen = new Generator((ulong)i);
            switch (op)
            {
                case "hflip": new RandomHorizontalFlip(p: 1.0).Apply(sample, gen); break;
                case "resize":
                    int? max = step.TryGetProperty("max_size", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : null;
                    new RandomResize(new[] { step.GetProperty("size").GetInt32() }, max).Apply(sample, gen);
                    break;
                case "crop":
                    RandomSizeCrop.CropTo(sample, step.GetProperty("top").GetInt32(), step.GetProperty("left").GetInt32(),
                        step.GetProperty("height").GetInt32(), step.GetProperty("width").GetInt32());
                    break;
                default: new Normalize().Apply(sample, gen); break;
            }
            Assert.Equal((results[i].GetProperty("height").GetInt32(), results[i].GetProperty("width").GetInt32()), (sample.Image.Height, sample.Image.Width));
            var got = op == "normalize" ? DetectionBoxes.ToTarget(sample.Boxes, sample.Image.Width, sample.Image.Height) : Pixels(sample);
            AssertSame(results[i], got, $"step {i} ({op})");
        }
    }

    private static IEnumerable<CocoAnnotation> Annotations(JsonElement c) => c.GetProperty("annotations").EnumerateArray().Select(a =>
    {
        var b = a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        return new CocoAnnotation(a.GetProperty("id").GetInt64(), 1, a.GetProperty("category_id").GetInt64(), new CocoBox(b[0], b[1], b[2], b[3]),
            a.GetProperty("area").GetDouble(), a.GetProperty("iscrowd").GetInt32() == 1, false);
    });

    /// <summary>The sample's boxes DETR would hold: those of objects that are not crowds (DETR drops crowds before any transform).</summary>
    private static (long[] Labels, float[] Boxes) Pixels(DetectionSample s)
    {
        var kept = s.Boxes.Where(b => !b.IsCrowd).ToArray();
        return (kept.Select(b => b.Label).ToArray(), kept.SelectMany(b => new[] { b.X0, b.Y0, b.X1, b.Y1 }).ToArray());
    }

    private static void AssertSame(JsonElement expected, (long[] Labels, float[] Boxes) got, string what)
    {
        var labels = expected.GetProperty("labels").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var boxes = expected.GetProperty("boxes").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        Assert.True(labels.SequenceEqual(got.Labels), $"{what}: labels [{string.Join(", ", got.Labels)}], DETR [{string.Join(", ", labels)}]");
        Assert.True(boxes.SequenceEqual(got.Boxes), $"{what}: boxes [{string.Join(", ", got.Boxes)}], DETR [{string.Join(", ", boxes)}]");
    }
}
