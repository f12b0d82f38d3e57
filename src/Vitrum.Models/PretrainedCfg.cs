using Vitrum.Data.Transforms;

namespace Vitrum.Models;

/// <summary>
/// How images are prepared for a model at evaluation, as timm's <c>pretrained_cfg</c> states it: the input size
/// (channels, height, width), the per-channel mean and standard deviation, the crop fraction (resize the shorter
/// side to size / crop_pct, then take the centre), the interpolation of that resize and the number of classes.
/// </summary>
public sealed record PretrainedCfg(int InChans, int ImageSize, float[] Mean, float[] Std, double CropPct, string Interpolation, int NumClasses)
{
    /// <summary>The preprocessing the data layer applies (its resize is bilinear; timm's bicubic differs by a fraction of a grey level).</summary>
    public Preprocess ToPreprocess() => new(Mean, Std, CropPct);
}
