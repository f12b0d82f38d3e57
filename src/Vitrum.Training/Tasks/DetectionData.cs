using Vitrum.Data.Detection;

namespace Vitrum.Training.Tasks;

/// <summary>
/// The splits of a detection run and their pipelines: training images augmented by <paramref name="TrainTransform"/>,
/// validation and test images prepared by <paramref name="EvalTransform"/> (both end with the normalization).
/// </summary>
/// <param name="Test">null when the data set has no test split (the run then reports no test figures)</param>
public sealed record DetectionData(DetectionDataset Train, DetectionDataset Val, DetectionDataset? Test, IDetectionTransform TrainTransform, IDetectionTransform EvalTransform)
{
    /// <summary>"10,000 train / 1,000 val / 1,000 test images, 10 categories".</summary>
    public string Describe() =>
        $"{Train.Count:N0} train / {Val.Count:N0} val{(Test == null ? "" : $" / {Test.Count:N0} test")} images, {Train.Coco.Categories.Count} categories";
}

/// <summary>
/// DETR's optimizer and schedule settings beyond <see cref="TrainOptions"/> (main.py's <c>lr_backbone</c> and <c>lr_drop</c>).
/// </summary>
/// <param name="BackboneLrScale">the backbone's rate as a fraction of the others' (main.py: lr_backbone 1e-5 / lr 1e-4)</param>
/// <param name="LrDropEpochs">the rate falls tenfold after this many epochs (main.py's StepLR, lr_drop 200); null = the trainer's warmup and cosine</param>
/// <param name="EvalBatchSize">images per forward pass in validation and test</param>
public sealed record DetectionOptions(double BackboneLrScale = 0.1, int? LrDropEpochs = null, int EvalBatchSize = 32);
