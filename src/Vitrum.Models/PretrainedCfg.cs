using Vitrum.Data.Transforms;

namespace Vitrum.Models;

/// <summary>
/// How images are prepared for a model at evaluation, as timm's <c>pretrained_cfg</c> states it: the input size
/// (channels, height, width), the per-channel mean and standard deviation, the crop fraction (resize the shorter
/// side to size / crop_pct, then take the centre), the interpolation of that resize and the number of classes.
/// </summary>
public sealed record PretrainedCfg(int InChans, int ImageSize, float[] Mean, float[] Std, double CropPct, string Interpolation, int NumClasses)
{
    /// <summary>
    /// Detection's resize (DETR's val transform): the shorter side to <see cref="ImageSize"/> unless the longer would pass
    /// this, then the longer to it; no crop. Null for classifiers, whose resize and centre crop <see cref="CropPct"/> gives.
    /// </summary>
    public int? MaxSize { get; init; }

    /// <summary>timm's inception statistics (0.5 / 0.5): the vit_* and tnt_* weights'.</summary>
    public static readonly float[] InceptionMean = { 0.5f, 0.5f, 0.5f }, InceptionStd = { 0.5f, 0.5f, 0.5f };

    /// <summary>timm's IMAGENET_DEFAULT_MEAN/STD: the swin_* and DeiT weights'.</summary>
    public static readonly float[] ImagenetMean = { 0.485f, 0.456f, 0.406f }, ImagenetStd = { 0.229f, 0.224f, 0.225f };

    /// <summary>
    /// An image family's cfg: a colour model takes the family's statistics, crop 0.9 and bicubic resizing, as timm's
    /// default cfgs give them; another channel count (the grey presets) 0.5 / 0.5 on the whole image.
    /// </summary>
    public static PretrainedCfg ForImages(int inChans, int imageSize, int numClasses, float[] rgbMean, float[] rgbStd) => inChans == 3
        ? new PretrainedCfg(3, imageSize, rgbMean, rgbStd, 0.9, "bicubic", numClasses)
        : new PretrainedCfg(inChans, imageSize, Enumerable.Repeat(0.5f, inChans).ToArray(), Enumerable.Repeat(0.5f, inChans).ToArray(), 1.0, "bilinear", numClasses);

    /// <summary>The preprocessing the data layer applies (its resize is bilinear; timm's bicubic differs by a fraction of a grey level).</summary>
    public Preprocess ToPreprocess() => new(Mean, Std, CropPct);
}
