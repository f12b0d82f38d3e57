using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>
    /// y = x W^T + b: dx = g W, dW = g^T x (straight into W's [out, in] layout), db = column sums of g.
    /// Saved: x as [rows, in] (a view or copy), W contiguous.
    /// </summary>
    public static unsafe void Linear(Node n, Tensor g)
    {
        Tensor xr = n.Saved[0]!, w = n.Saved[1]!;
        int rows = xr.Shape[0], inF = xr.Shape[1], outF = w.Shape[0];
        var gr = Ops.LinearRows(g);
        if (n.NeedsGrad(0))
        {
            var dx = Tensor.Empty(n.Inputs[0].Shape);
            if (rows > 0 && inF > 0)
            {
                if (outF == 0) dx.Span.Clear();
                else Gemm.Sgemm(rows, inF, outF, gr.Ptr, gr.Strides[0], gr.Strides[1], w.Ptr, inF, 1, dx.Ptr, inF, false);
            }
            n.Pass(0, dx);
        }
        if (n.NeedsGrad(1))
        {
            var dw = Tensor.Empty(w.Shape);
            if (rows == 0) dw.Span.Clear();
            else if (outF > 0 && inF > 0)
                Gemm.Sgemm(outF, inF, rows, gr.Ptr, gr.Strides[1], gr.Strides[0], xr.Ptr, xr.Strides[0], xr.Strides[1], dw.Ptr, inF, false);
            n.Pass(1, dw);
        }
        if (n.Inputs.Length > 2 && n.NeedsGrad(2))
        {
            var db = Tensor.Empty(new[] { outF });
            if (gr.Strides[1] == 1) ColumnSums.Sum(gr.Ptr, rows, outF, gr.Strides[0], db.Ptr);
            else
            {
                var gc = gr.Contiguous();
                ColumnSums.Sum(gc.Ptr, rows, outF, outF, db.Ptr);
            }
            n.Pass(2, db);
        }
    }
}
