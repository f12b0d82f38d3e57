using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>Each output gradient goes to the saved argmax of its window.</summary>
    public static unsafe void MaxPool2d(Node n, Tensor g)
    {
        var geo = (Window2d)n.State!;
        var gy = g.Contiguous();
        var dx = Tensor.Zeros(n.Inputs[0].Shape);
        float* pg = gy.Ptr, pd = dx.Ptr;
        long* pi = Pool2d.IndexPointer(n.Saved[0]!);
        long plane = (long)geo.H * geo.W, l = geo.L;
        PlaneJob.For(n.Inputs[0].Shape[0] * geo.C, gy.Numel, p => Pool2d.MaxBackwardPlane(geo, pg + p * l, pi + p * l, pd + p * plane));
        n.Pass(0, dx);
    }

    /// <summary>Each output gradient is spread evenly (by the forward's divisor) over its clipped window.</summary>
    public static unsafe void AvgPool2d(Node n, Tensor g)
    {
        var geo = (Window2d)n.State!;
        bool countIncludePad = n.Ints[0] != 0;
        int divisor = n.Ints[1];
        var gy = g.Contiguous();
        var dx = Tensor.Zeros(n.Inputs[0].Shape);
        float* pg = gy.Ptr, pd = dx.Ptr;
        long plane = (long)geo.H * geo.W, l = geo.L;
        PlaneJob.For(n.Inputs[0].Shape[0] * geo.C, (long)gy.Numel * geo.KernelArea, p => Pool2d.AvgBackwardPlane(geo, pg + p * l, pd + p * plane, countIncludePad, divisor));
        n.Pass(0, dx);
    }

    /// <summary>Each output gradient is spread evenly over its adaptive bin.</summary>
    public static unsafe void AdaptiveAvgPool2d(Node n, Tensor g)
    {
        var s = n.Inputs[0].Shape;
        int h = s[2], w = s[3], oh = g.Shape[2], ow = g.Shape[3];
        var gy = g.Contiguous();
        var dx = Tensor.Zeros(s);
        float* pg = gy.Ptr, pd = dx.Ptr;
        long plane = (long)h * w, l = (long)oh * ow;
        PlaneJob.For(s[0] * s[1], (long)dx.Numel + gy.Numel, p => Pool2d.AdaptiveAvgBackwardPlane(h, w, oh, ow, pg + p * l, pd + p * plane));
        n.Pass(0, dx);
    }
}
