using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>Each output gradient flows back to its source taps, weighted as in the forward pass.</summary>
    public static unsafe void Interpolate(Node n, Tensor g)
    {
        var plan = (Resample2d)n.State!;
        var s = n.Inputs[0].Shape;
        var gy = g.Contiguous();
        var dx = Tensor.Zeros(s);
        float* pg = gy.Ptr, pd = dx.Ptr;
        long plane = (long)plan.H * plan.W, l = (long)plan.Oh * plan.Ow;
        PlaneJob.For(s[0] * s[1], gy.Numel * plan.Rows.Taps * plan.Cols.Taps, p => plan.BackwardPlane(pg + p * l, pd + p * plane));
        n.Pass(0, dx);
    }
}
