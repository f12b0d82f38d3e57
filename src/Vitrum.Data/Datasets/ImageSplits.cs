namespace Vitrum.Data.Datasets;

/// <summary>
/// The splits of an image training run: the images it trains on, the validation images that pick its best weights
/// after every epoch, and the test images it is scored on at the end (null when the data set has none).
/// </summary>
/// <param name="ValHeldOut">the validation images were held out of the training images (<see cref="ValidationSplit"/>), not a split of their own</param>
public sealed record ImageSplits(ImageClassificationData Train, ImageClassificationData Val, ImageClassificationData? Test, bool ValHeldOut)
{
    /// <summary>Splits whose validation images are held out of <paramref name="train"/> (<see cref="ValidationSplit.Split"/>).</summary>
    public static ImageSplits HoldingOut(ImageClassificationData train, ImageClassificationData? test, int oneIn, string source)
    {
        var (kept, val) = ValidationSplit.Split(train, oneIn, source);
        return new ImageSplits(kept, val, test, ValHeldOut: true);
    }

    /// <summary>"train 54,998 / val 5,002 held out of train / test 10,000 images".</summary>
    public string Describe() => string.Format(System.Globalization.CultureInfo.InvariantCulture, "train {0:N0} / val {1:N0}{2} / {3} images",
        Train.Count, Val.Count, ValHeldOut ? " held out of train" : "", Test == null ? "no test" : $"test {Test.Count:N0}");
}
