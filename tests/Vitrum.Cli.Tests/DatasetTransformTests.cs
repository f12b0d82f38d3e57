using Vitrum.Cli.Commands;
using Vitrum.Data.Transforms;
using Xunit;

namespace Vitrum.Cli.Tests;

public class DatasetTransformTests
{
    [Fact]
    public void Grey_sets_shift_by_the_given_pixels_and_clothes_are_flipped()
    {
        var (mnist, _) = DatasetChoice.Transforms("mnist", 1, 28, 28, shift: 2);
        Assert.Contains(mnist, t => t is RandomCrop);
        Assert.DoesNotContain(mnist, t => t is RandomHorizontalFlip);
        var (fashion, test) = DatasetChoice.Transforms("fashion-mnist", 1, 28, 28, shift: 0);
        Assert.DoesNotContain(fashion, t => t is RandomCrop);
        Assert.Contains(fashion, t => t is RandomHorizontalFlip);
        Assert.DoesNotContain(test, t => t is RandomCrop or RandomHorizontalFlip);
    }

    /// <summary>A fine-tuning run evaluates the central crop_pct of its pretrained config, as timm's evaluation and predict do.</summary>
    [Fact]
    public void A_pretrained_crop_below_one_crops_the_test_images_centre_and_resizes_it_back()
    {
        var (_, plain) = DatasetChoice.Transforms("folder", 3, 64, 64);
        Assert.DoesNotContain(plain, t => t is CenterCrop or Resize);
        var (train, test) = DatasetChoice.Transforms("folder", 3, 64, 64, preprocess: Preprocess.Inception);
        Assert.DoesNotContain(train, t => t is CenterCrop);
        Assert.Collection(test, t => Assert.IsType<CenterCrop>(t), t => Assert.IsType<Resize>(t), t => Assert.IsType<Normalize>(t));
        var buffer = new ImageBuffer();
        var image = buffer.Resize(3, 64, 64);
        for (int i = 0; i < image.Length; i++) image[i] = (i % 64) / 63f;
        var cropped = new ImageBuffer();
        test[0].Apply(buffer, cropped, new Vitrum.Tensors.Generator(0));
        Assert.Equal((58, 58), (cropped.Height, cropped.Width));   // round(64 * 0.9)
        Assert.Equal(3 / 63f, cropped.At(0, 0, 0), 6);             // the crop starts 3 pixels in
    }

    [Fact]
    public void Fashion_recipe_of_vit_mnist_drops_shift_and_smoothing_but_mnist_keeps_them()
    {
        var fashion = ModelChoice.TrainingDefaults("vit_mnist", "fashion-mnist");
        var mnist = ModelChoice.TrainingDefaults("vit_mnist", "mnist");
        Assert.Equal((0, 0.0), (fashion.RandomShift, fashion.LabelSmoothing));
        Assert.Equal((2, 0.1), (mnist.RandomShift, mnist.LabelSmoothing));
    }
}
