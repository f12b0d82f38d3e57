using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.nn.functional.max_pool2d: the maximum over each window (stride defaults to the kernel,
    /// padding never wins). The gradient flows to the first maximum of each window, as in PyTorch.
    /// </summary>
    /// <param name="input">[N, C, H, W] or [C, H, W]</param>
    /// <returns>[N, C, Oh, Ow]; ceilMode rounds Oh, Ow up as long as the last window starts inside the input or left padding</returns>
    public static unsafe Tensor MaxPool2d(Tensor input, Size2 kernelSize, Size2? stride = null, Size2? padding = null,
        Size2? dilation = null, bool ceilMode = false)
    {
        RequireFloat("MaxPool2d", input);
        if (input.Rank == 3) return MaxPool2d(input.Unsqueeze(0), kernelSize, stride, padding, dilation, ceilMode).Squeeze(0);
        var g = PoolWindow("MaxPool2d", input, kernelSize, stride ?? kernelSize, padding ?? 0, dilation ?? 1, ceilMode);
        Tensor x;
        using (GradMode.NoGrad()) x = input.Contiguous();
        var shape = new[] { input.Shape[0], g.C, g.Oh, g.Ow };
        var y = Tensor.Empty(shape);
        float* px = x.Ptr, py = y.Ptr;
        long plane = (long)g.H * g.W, l = g.L;
        if (!Engine.ShouldRecord(input))
        {
            // Nothing will ask for the argmax (inference, or a frozen input): the values alone, row maxima first.
            PlaneJob.For(input.Shape[0] * g.C, (long)y.Numel * g.KernelArea, p => Pool2d.MaxPlaneValues(g, px + p * plane, py + p * l));
            return y;
        }
        var indices = Tensor.Empty(shape, DType.Int64);
        long* pi = Pool2d.IndexPointer(indices);
        PlaneJob.For(input.Shape[0] * g.C, (long)y.Numel * g.KernelArea, p => Pool2d.MaxPlane(g, px + p * plane, py + p * l, pi + p * l));
        var node = Engine.Record(y, "max_pool2d", GradRules.MaxPool2d, input);
        if (node != null)
        {
            node.Saved = new Tensor?[] { indices };
            node.State = g;
        }
        else indices.Dispose();
        return y;
    }

    /// <summary>
    /// torch.nn.functional.avg_pool2d: the mean over each window. With countIncludePad the divisor
    /// counts the zero padding (PyTorch's default); a positive divisorOverride replaces the divisor.
    /// </summary>
    /// <param name="input">[N, C, H, W] or [C, H, W]</param>
    public static unsafe Tensor AvgPool2d(Tensor input, Size2 kernelSize, Size2? stride = null, Size2? padding = null,
        bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        RequireFloat("AvgPool2d", input);
        if (input.Rank == 3)
            return AvgPool2d(input.Unsqueeze(0), kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride).Squeeze(0);
        if (divisorOverride is <= 0)
            throw new ArgumentException($"AvgPool2d: divisor override {divisorOverride} must be positive (input {ShapeUtil.Format(input.Shape)})");
        var g = PoolWindow("AvgPool2d", input, kernelSize, stride ?? kernelSize, padding ?? 0, 1, ceilMode);
        int divisor = divisorOverride ?? 0;
        Tensor x;
        using (GradMode.NoGrad()) x = input.Contiguous();
        var y = Tensor.Empty(new[] { input.Shape[0], g.C, g.Oh, g.Ow });
        float* px = x.Ptr, py = y.Ptr;
        long plane = (long)g.H * g.W, l = g.L;
        PlaneJob.For(input.Shape[0] * g.C, (long)y.Numel * g.KernelArea, p => Pool2d.AvgPlane(g, px + p * plane, py + p * l, countIncludePad, divisor));
        var node = Engine.Record(y, "avg_pool2d", GradRules.AvgPool2d, input);
        if (node != null)
        {
            node.State = g;
            node.Ints = new[] { countIncludePad ? 1 : 0, divisor };
        }
        return y;
    }

    /// <summary>
    /// torch.nn.functional.adaptive_avg_pool2d: output cell (i, j) averages rows
    /// [floor(i*H/oh), ceil((i+1)*H/oh)) and the matching columns, so bins may overlap when H % oh != 0.
    /// </summary>
    /// <param name="input">[N, C, H, W] or [C, H, W]</param>
    /// <returns>[N, C, outputSize.H, outputSize.W]</returns>
    public static unsafe Tensor AdaptiveAvgPool2d(Tensor input, Size2 outputSize)
    {
        RequireFloat("AdaptiveAvgPool2d", input);
        if (input.Rank == 3) return AdaptiveAvgPool2d(input.Unsqueeze(0), outputSize).Squeeze(0);
        RequireImageBatch("AdaptiveAvgPool2d", input);
        if (outputSize.H <= 0 || outputSize.W <= 0)
            throw new ArgumentException($"AdaptiveAvgPool2d: output size {outputSize} must be positive (input {ShapeUtil.Format(input.Shape)})");
        int c = input.Shape[1], h = input.Shape[2], w = input.Shape[3], oh = outputSize.H, ow = outputSize.W;
        if (h == 0 || w == 0)
            throw new ArgumentException($"AdaptiveAvgPool2d: input {ShapeUtil.Format(input.Shape)} has an empty spatial dim");
        Tensor x;
        using (GradMode.NoGrad()) x = input.Contiguous();
        var y = Tensor.Empty(new[] { input.Shape[0], c, oh, ow });
        float* px = x.Ptr, py = y.Ptr;
        long plane = (long)h * w, l = (long)oh * ow;
        PlaneJob.For(input.Shape[0] * c, (long)x.Numel + y.Numel, p => Pool2d.AdaptiveAvgPlane(h, w, oh, ow, px + p * plane, py + p * l));
        Engine.Record(y, "adaptive_avg_pool2d", GradRules.AdaptiveAvgPool2d, input);
        return y;
    }

    private static void RequireImageBatch(string op, Tensor input)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"{op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got {ShapeUtil.Format(input.Shape)}");
    }

    /// <summary>The window of a pool over [N, C, H, W]; PyTorch requires padding of at most half the kernel.</summary>
    private static Window2d PoolWindow(string op, Tensor input, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceilMode)
    {
        RequireImageBatch(op, input);
        if (kernel.H > 0 && kernel.W > 0 && (padding.H > kernel.H / 2 || padding.W > kernel.W / 2))
            throw new ArgumentException($"{op}: padding {padding} must be at most half of the kernel size {kernel} (input {ShapeUtil.Format(input.Shape)})");
        return Window2d.Create(op, input.Shape, input.Shape[1], input.Shape[2], input.Shape[3], kernel, stride, padding, dilation, ceilMode);
    }
}
