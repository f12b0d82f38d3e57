using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>
    /// Fused layer-norm backward. Inputs are x, then weight and bias when present (Ints: m, n,
    /// hasWeight, hasBias); Saved: contiguous x, contiguous weight or null, mean, rstd.
    /// </summary>
    public static unsafe void LayerNorm(Node n, Tensor g)
    {
        Tensor x = n.Saved[0]!, mean = n.Saved[2]!, rstd = n.Saved[3]!;
        Tensor? w = n.Saved[1];
        int m = n.Ints[0], cols = n.Ints[1];
        bool hasWeight = n.Ints[2] == 1, hasBias = n.Ints[3] == 1;
        int biasInput = hasWeight ? 2 : 1;
        bool wantDw = hasWeight && n.NeedsGrad(1), wantDb = hasBias && n.NeedsGrad(biasInput);
        var gc = g.Contiguous();
        var dx = n.NeedsGrad(0) ? Tensor.Empty(x.Shape) : null;
        var dw = wantDw ? Tensor.Empty(w!.Shape) : null;
        var db = wantDb ? Tensor.Empty(n.Inputs[biasInput].Shape) : null;
        if (m > 0)
            LayerNormKernel.Backward(gc.Ptr, x.Ptr, w == null ? null : w.Ptr, mean.Ptr, rstd.Ptr,
                dx == null ? null : dx.Ptr, dw == null ? null : dw.Ptr, db == null ? null : db.Ptr, m, cols);
        else
        {
            dw?.Span.Clear();
            db?.Span.Clear();
        }
        if (dx != null) n.Pass(0, dx);
        if (dw != null) n.Pass(1, dw);
        if (db != null) n.Pass(biasInput, db);
    }
}
