using System.Text;
using Vitrum.Data.Coco;
using Xunit;

namespace Vitrum.Data.Tests;

public class CocoJsonTests
{
    /// <summary>A valid annotation file with the fields COCO's own files carry, segmentations and licences included.</summary>
    internal const string Gt = """
        {"info": {"year": 2017, "version": "1.0"}, "licenses": [{"id": 1, "name": "x"}],
         "images": [{"id": 42, "file_name": "000000000042.jpg", "width": 640, "height": 480, "license": 1},
                    {"id": 7, "file_name": "b.png", "width": 3, "height": 2}],
         "annotations": [
           {"id": 1, "image_id": 42, "category_id": 18, "bbox": [10.5, 20, 30.25, 40], "area": 1000.5, "iscrowd": 0,
            "segmentation": [[10.5, 20, 40.75, 20, 40.75, 60]]},
           {"id": 2, "image_id": 42, "category_id": 1, "bbox": [0, 0, 640, 480], "area": 250000, "iscrowd": 1,
            "segmentation": {"counts": [0, 5, 10], "size": [480, 640]}},
           {"id": 3, "image_id": 7, "category_id": 1, "bbox": [1, 1, 1, 0.5], "area": 0.5, "ignore": 1}],
         "categories": [{"id": 1, "name": "person", "supercategory": "person"}, {"id": 18, "name": "dog"}]}
        """;

    internal const string Results = """
        [{"image_id": 42, "category_id": 18, "bbox": [11, 21, 30, 39.5], "score": 0.93},
         {"image_id": 7, "category_id": 1, "bbox": [1, 1, 1, 1], "score": 1, "segmentation": []}]
        """;

    private static CocoDataset ParseGt(string json) => CocoDatasetReader.Parse(Encoding.UTF8.GetBytes(json), "gt.json");

    private static IReadOnlyList<CocoDetection> ParseResults(string json, CocoDataset? gt = null) =>
        CocoResultsReader.Parse(Encoding.UTF8.GetBytes(json), "dt.json", gt);

    [Fact]
    public void Reads_images_annotations_and_categories_and_skips_other_fields()
    {
        var d = ParseGt(Gt);
        Assert.Equal([new CocoImage(42, "000000000042.jpg", 640, 480), new CocoImage(7, "b.png", 3, 2)], d.Images);
        Assert.Equal(new CocoAnnotation(1, 42, 18, new CocoBox(10.5, 20, 30.25, 40), 1000.5, false, false), d.Annotations[0]);
        Assert.True(d.Annotations[1].IsCrowd);
        Assert.Equal(new CocoAnnotation(3, 7, 1, new CocoBox(1, 1, 1, 0.5), 0.5, false, true), d.Annotations[2]);
        Assert.Equal([new CocoCategory(1, "person", "person"), new CocoCategory(18, "dog", null)], d.Categories);
        Assert.Equal("dog", d.Category(18)!.Name);
        Assert.Null(d.Category(2));
        Assert.True(d.HasImage(7));
        Assert.False(d.HasImage(8));
        Assert.Equal("gt.json", d.Source);
    }

    [Fact]
    public void An_image_info_file_without_annotations_and_a_byte_order_mark_are_accepted()
    {
        var bytes = "\uFEFF"u8.ToArray().Concat(Encoding.UTF8.GetBytes("""{"images": [], "categories": [{"id": 1, "name": "a"}]}""")).ToArray();
        var d = CocoDatasetReader.Parse(bytes, "info.json");
        Assert.Empty(d.Annotations);
        Assert.Single(d.Categories);
    }

    [Fact]
    public void Whole_numbers_written_as_decimals_are_read_as_integers()
    {
        var d = ParseGt("""
            {"images": [{"id": 3.0, "file_name": "a.jpg", "width": 640.0, "height": 4.8e2}], "categories": [{"id": 1e0, "name": "a"}],
             "annotations": [{"id": 2.0, "image_id": 3, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 1.0}]}
            """);
        Assert.Equal(new CocoImage(3, "a.jpg", 640, 480), d.Images.Single());
        Assert.Equal(1, d.Categories.Single().Id);
        Assert.True(d.Annotations.Single().IsCrowd);
    }

    [Fact]
    public void Reads_detection_results_and_checks_their_images_against_the_ground_truth()
    {
        var gt = ParseGt(Gt);
        var r = ParseResults(Results, gt);
        Assert.Equal([new CocoDetection(42, 18, new CocoBox(11, 21, 30, 39.5), 0.93), new CocoDetection(7, 1, new CocoBox(1, 1, 1, 1), 1)], r);
        Assert.Empty(ParseResults(" [ ] "));
        var e = Assert.Throws<DataFormatException>(() => ParseResults("""[{"image_id": 43, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}]""", gt));
        Assert.Equal("dt.json: [0].image_id: 43 is not the id of an image in gt.json", e.Message);
    }

    private const string Image = """{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}""";
    private const string Category = """{"id": 1, "name": "a"}""";

    private static string WithAnnotation(string annotation) =>
        $$"""{"images": [{{Image}}], "annotations": [{{annotation}}], "categories": [{{Category}}]}""";

    private static string WithImage(string image) => $$"""{"images": [{{image}}], "categories": []}""";

    public static TheoryData<string, string> MalformedGt() => new()
    {
        { WithImage("""{"id": 1, "file_name": "a.jpg", "width": 0, "height": 4}"""), "images[0].width: expected a positive integer, got 0" },
        { WithImage("""{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3000000000}"""), "images[0].height: expected a positive integer, got 3000000000" },
        { WithImage("""{"id": 1e300, "file_name": "a.jpg", "width": 4, "height": 4}"""), "images[0].id: expected an integer, got 1e300" },
        { WithImage("""{"id": 1.5, "file_name": "a.jpg", "width": 4, "height": 4}"""), "images[0].id: expected an integer, got 1.5" },
        { WithImage("""{"id": 1, "file_name": 5, "width": 4, "height": 4}"""), "images[0].file_name: expected a string, got 5" },
        { WithImage("""{"id": 1, "width": 4, "height": 4}"""), "images[0]: no field 'file_name' (a string)" },
        { WithImage("5"), "images[0]: expected an object, got 5" },
        { $$"""{"images": [{{Image}}, {{Image}}], "categories": []}""", "images[1].id: 1 is also the id of images[0]; ids must be unique" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2], "area": 4}"""),
            "annotations[0].bbox: expected [x, y, width, height]: 4 finite numbers, got 3" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2, 2], "area": 4}"""),
            "annotations[0].bbox: expected [x, y, width, height]: 4 finite numbers, got more" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, "0", 2, 2], "area": 4}"""),
            "annotations[0].bbox: expected [x, y, width, height]: 4 finite numbers, got \"0\"" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, -2, 2], "area": 4}"""),
            "annotations[0].bbox: width and height must be >= 0, got width -2, height 2" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1e999, 2], "area": 4}"""),
            "annotations[0].bbox: expected [x, y, width, height]: 4 finite numbers, got 1e999" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}"""), "annotations[0]: no field 'area' (a finite number >= 0)" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": -4}"""),
            "annotations[0].area: expected a finite number >= 0, got -4" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4, "iscrowd": 2}"""),
            "annotations[0].iscrowd: expected 0 or 1, got 2" },
        { WithAnnotation("""{"id": 1, "image_id": 9, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4}"""),
            "annotations[0].image_id: 9 is not the id of an image in 'images'" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 3, "bbox": [0, 0, 2, 2], "area": 4}"""),
            "annotations[0].category_id: 3 is not the id of a category in 'categories'" },
        { WithAnnotation("""{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4, "x": [1 2]}"""),
            "in annotations[0]: not valid JSON" },
        { """[1, 2]""", "expected a JSON object with 'images', 'annotations' and 'categories', got an array" },
        { """{"categories": []}""", "no 'images' list" },
        { """{"images": []}""", "no 'categories' list" },
        { """{"images": {}, "categories": []}""", "images: expected an array of images, got an object" },
        { """{"images": [], "categories": [{"id": 1, "name": "a"}]} {}""", "not valid JSON" },
        { """{"images": [], "categories": [{"id": 1, "name": "\uD800"}]}""", "categories[0].name: expected a string of valid UTF-8 text" },
        { "{\"info\": " + new string('[', 10_000), "not valid JSON" },
        { "", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(MalformedGt))]
    public void Malformed_annotation_files_name_the_file_element_field_and_expectation(string json, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => ParseGt(json));
        Assert.Equal("gt.json", e.File);
        Assert.StartsWith("gt.json: ", e.Message);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), e.Message);
    }

    [Theory]
    [InlineData("""{"image_id": 1}""", "dt.json: expected an array of detections {image_id, category_id, bbox, score}, got an object")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": "high"}]""", "dt.json: [0].score: expected a finite number, got \"high\"")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}, {"image_id": 1, "category_id": 1, "score": 1}]""",
        "dt.json: [1]: no field 'bbox' ([x, y, width, height])")]
    [InlineData("""[{"image_id": "1", "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]""", "dt.json: [0].image_id: expected an integer, got \"1\"")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}""", "dt.json: not valid JSON")]
    public void Malformed_results_name_the_file_entry_field_and_expectation(string json, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => ParseResults(json));
        Assert.StartsWith(expected, e.Message);
    }
}
