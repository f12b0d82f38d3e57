using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>
    /// Batch norm: dx through the batch statistics in training (through the fixed ones in eval),
    /// dweight = sum(dy * xhat), dbias = sum(dy). Ints: training flag, then the input index of weight and bias (-1 if absent).
    /// </summary>
    public static unsafe void BatchNorm(Node n, Tensor g)
    {
        Tensor x = n.Saved[0]!, mean = n.Saved[2]!, invstd = n.Saved[3]!;
        var w = n.Saved[1];
        bool training = n.Ints[0] != 0;
        int wi = n.Ints[1], bi = n.Ints[2];
        var gy = g.Contiguous();
        var dx = n.NeedsGrad(0) ? Tensor.Empty(x.Shape) : null;
        var dw = wi >= 0 && n.NeedsGrad(wi) ? Tensor.Empty(mean.Shape) : null;
        var db = bi >= 0 && n.NeedsGrad(bi) ? Tensor.Empty(mean.Shape) : null;
        int batch = x.Shape[0], channels = x.Shape[1];
        var kernel = new BatchNormKernel(batch, channels, x.Numel / Math.Max(1, batch * channels));
        kernel.Backward(x.Ptr, gy.Ptr, w == null ? null : w.Ptr, mean.Ptr, invstd.Ptr, training,
            dx == null ? null : dx.Ptr, dw == null ? null : dw.Ptr, db == null ? null : db.Ptr);
        if (dx != null) n.Pass(0, dx);
        if (dw != null) n.Pass(wi, dw);
        if (db != null) n.Pass(bi, db);
    }
}
