using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>PostProcess against the official DETR PostProcess (tests/fixtures/detr/criterion.json).</summary>
public class DetrPostProcessTests
{
    public static TheoryData<string> Cases() => new(DetrCriterionFixture.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scores_labels_and_pixel_boxes_equal_the_official_post_process(string name)
    {
        var f = DetrCriterionFixture.Get(name);
        var detections = PostProcess.Forward(f.Outputs(), f.TargetSizes);
        Assert.Equal(f.TargetSizes.Shape[0], detections.Count);
        for (int i = 0; i < detections.Count; i++)
        {
            GradCheck.Close(f.Detection(i, "scores").ToArray(), detections[i].Scores.ToArray(), 1e-5, 1e-7, $"{name} image {i} scores");
            Assert.Equal(f.Detection(i, "labels").ToLongArray(), detections[i].Labels.ToLongArray());
            GradCheck.Close(f.Detection(i, "boxes").ToArray(), detections[i].Boxes.ToArray(), 1e-5, 1e-4, $"{name} image {i} boxes");
        }
    }

    [Fact]
    public void Float_sizes_scale_like_integer_sizes_and_bad_sizes_are_refused()
    {
        var f = DetrCriterionFixture.Get("three_images_one_without_targets");
        var sizes = f.TargetSizes;
        var asFloat = Tensor.FromArray(Array.ConvertAll(sizes.ToLongArray(), v => (float)v), sizes.Shape);
        var a = PostProcess.Forward(f.Outputs(), sizes);
        var b = PostProcess.Forward(f.Outputs(), asFloat);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Boxes.ToArray(), b[i].Boxes.ToArray());
        var e = Assert.Throws<ArgumentException>(() => PostProcess.Forward(f.Outputs(), Tensor.Zeros(2, 2)));
        Assert.Contains("PostProcess: target sizes [2, 2] must be [3, 2], one (height, width) per image", e.Message);
    }
}
