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

    [Fact]
    public void Fashion_recipe_of_vit_mnist_drops_shift_and_smoothing_but_mnist_keeps_them()
    {
        var fashion = ModelChoice.TrainingDefaults("vit_mnist", "fashion-mnist");
        var mnist = ModelChoice.TrainingDefaults("vit_mnist", "mnist");
        Assert.Equal((0, 0.0), (fashion.RandomShift, fashion.LabelSmoothing));
        Assert.Equal((2, 0.1), (mnist.RandomShift, mnist.LabelSmoothing));
    }
}
