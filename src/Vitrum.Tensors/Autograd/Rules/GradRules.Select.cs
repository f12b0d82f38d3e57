using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>a gets g where the (broadcast) condition holds, b where it does not; each summed back to its shape.</summary>
    public static void Where(Node n, Tensor g)
    {
        var m = n.Saved[0]!;
        if (n.NeedsGrad(0)) n.Pass(0, Ops.SumTo(Ops.Map2<MaskKeepOp>("Where backward", g, m), n.Inputs[0].Shape));
        if (n.NeedsGrad(1)) n.Pass(1, Ops.SumTo(Ops.Map2<MaskDropOp>("Where backward", g, m), n.Inputs[1].Shape));
    }
}
