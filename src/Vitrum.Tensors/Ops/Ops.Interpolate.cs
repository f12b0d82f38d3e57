using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

/// <summary>Resampling filters of <see cref="Ops.Interpolate"/> (PyTorch's mode names).</summary>
public enum InterpolateMode
{
    /// <summary>PyTorch's "nearest": source index floor(i * in / out).</summary>
    Nearest,

    /// <summary>Bilinear over the 2 x 2 neighbours.</summary>
    Bilinear,

    /// <summary>Bicubic over 4 x 4 neighbours with Keys' A = -0.75, border pixels repeated.</summary>
    Bicubic,
}

public static partial class Ops
{
    /// <summary>
    /// torch.nn.functional.interpolate(input, size, mode, align_corners) as in torch 1.13. With
    /// alignCorners the corner pixels of input and output are aligned (scale (in - 1) / (out - 1));
    /// otherwise pixel centres are (scale in / out, source = scale (i + 0.5) - 0.5, clamped at 0 for
    /// bilinear). Nearest takes no alignCorners.
    /// </summary>
    /// <param name="input">[N, C, H, W]</param>
    /// <returns>[N, C, size.H, size.W]</returns>
    public static Tensor Interpolate(Tensor input, Size2 size, InterpolateMode mode = InterpolateMode.Nearest, bool alignCorners = false)
    {
        if (size.H <= 0 || size.W <= 0)
            throw new ArgumentException($"Interpolate: output size {size} must be positive (input {ShapeUtil.Format(input.Shape)})");
        return Resample(input, size, null, mode, alignCorners);
    }

    /// <summary>
    /// torch.nn.functional.interpolate(input, scale_factor=s, mode, align_corners, recompute_scale_factor):
    /// the output is floor(H s) x floor(W s); without alignCorners source indices use 1 / s itself
    /// unless <paramref name="recomputeScaleFactor"/>, which uses the ratio of the rounded sizes.
    /// </summary>
    /// <param name="input">[N, C, H, W]</param>
    public static Tensor InterpolateByScale(Tensor input, double scaleFactor, InterpolateMode mode = InterpolateMode.Nearest,
        bool alignCorners = false, bool recomputeScaleFactor = false)
    {
        if (!(scaleFactor > 0) || double.IsInfinity(scaleFactor))
            throw new ArgumentException($"Interpolate: scale factor {scaleFactor} must be positive and finite (input {ShapeUtil.Format(input.Shape)})");
        RequireInterpolationInput(input, mode);
        int oh = (int)Math.Floor(input.Shape[2] * scaleFactor), ow = (int)Math.Floor(input.Shape[3] * scaleFactor);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"Interpolate: scale factor {scaleFactor} turns input {ShapeUtil.Format(input.Shape)} into an empty output ({oh}, {ow})");
        return Resample(input, (oh, ow), recomputeScaleFactor ? null : scaleFactor, mode, alignCorners);
    }

    private static void RequireInterpolationInput(Tensor input, InterpolateMode mode)
    {
        RequireFloat("Interpolate", input);
        if (input.Rank != 4)
            throw new ArgumentException($"Interpolate: {mode} needs a 4-D [N, C, H, W] input, got {ShapeUtil.Format(input.Shape)}");
    }

    private static unsafe Tensor Resample(Tensor input, Size2 size, double? scaleFactor, InterpolateMode mode, bool alignCorners)
    {
        RequireInterpolationInput(input, mode);
        if (alignCorners && mode == InterpolateMode.Nearest)
            throw new ArgumentException($"Interpolate: alignCorners can only be set with Bilinear or Bicubic, not Nearest (input {ShapeUtil.Format(input.Shape)})");
        int h = input.Shape[2], w = input.Shape[3];
        if (h == 0 || w == 0)
            throw new ArgumentException($"Interpolate: input {ShapeUtil.Format(input.Shape)} has an empty spatial dim");
        var plan = new Resample2d(h, w,
            AxisTaps.Create(mode, h, size.H, alignCorners, scaleFactor),
            AxisTaps.Create(mode, w, size.W, alignCorners, scaleFactor));
        Tensor x;
        using (GradMode.NoGrad()) x = input.Contiguous();
        var y = Tensor.Empty(new[] { input.Shape[0], input.Shape[1], size.H, size.W });
        float* px = x.Ptr, py = y.Ptr;
        long plane = (long)h * w, l = (long)size.H * size.W;
        PlaneJob.For(input.Shape[0] * input.Shape[1], (long)y.Numel * plan.Rows.Taps * plan.Cols.Taps, p => plan.ForwardPlane(px + p * plane, py + p * l));
        var node = Engine.Record(y, "interpolate", GradRules.Interpolate, input);
        if (node != null) node.State = plan;
        return y;
    }
}
