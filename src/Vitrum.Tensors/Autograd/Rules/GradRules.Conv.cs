using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>dx = col2im(W^T dY), dW = dY cols(x)^T, db = dY summed over images and positions (see <see cref="Conv2dPlan"/>).</summary>
    public static unsafe void Conv2d(Node n, Tensor g)
    {
        var plan = (Conv2dPlan)n.State!;
        Tensor x = n.Saved[0]!, w = n.Saved[1]!;
        var gy = g.Contiguous();
        var dx = n.NeedsGrad(0) ? Tensor.Empty(x.Shape) : null;
        var dw = n.NeedsGrad(1) ? Tensor.Zeros(w.Shape) : null;
        var db = n.Inputs.Length > 2 && n.NeedsGrad(2) ? Tensor.Empty(new[] { plan.Cout }) : null;
        plan.Backward(x.Ptr, w.Ptr, gy.Ptr, dx == null ? null : dx.Ptr, dw == null ? null : dw.Ptr, db == null ? null : db.Ptr, x.Shape[0]);
        if (dx != null) n.Pass(0, dx);
        if (dw != null) n.Pass(1, dw);
        if (db != null) n.Pass(2, db);
    }

    /// <summary>Unfold and fold are each other's adjoint.</summary>
    public static void Unfold(Node n, Tensor g) => n.Pass(0, Ops.FoldColumns(g.Contiguous(), (Window2d)n.State!));

    public static void Fold(Node n, Tensor g) => n.Pass(0, Ops.UnfoldColumns(g.Contiguous(), (Window2d)n.State!));
}
