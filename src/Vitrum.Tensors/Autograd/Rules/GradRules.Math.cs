using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>dx = TGrad(g, saved): one fused pass for ops whose derivative is pointwise.</summary>
    public static void Pointwise<TGrad>(Node n, Tensor g) where TGrad : IBinaryOp =>
        n.Pass(0, Ops.Map2<TGrad>(n.Op + " backward", g, n.Saved[0]!));

    /// <summary>dx = g e x^(e-1), and 0 for e = 0 (PyTorch's pow_backward).</summary>
    public static void PowScalar(Node n, Tensor g)
    {
        float e = n.Floats[0];
        var x = n.Inputs[0];
        if (e == 0f) { n.Pass(0, Tensor.Zeros(x.Shape)); return; }
        n.Pass(0, Ops.Mul(g, Ops.Mul(Ops.Pow(x, e - 1f), e)));
    }

    public static void Pow(Node n, Tensor g)
    {
        Tensor a = n.Saved[0]!, b = n.Saved[1]!, y = n.Saved[2]!;
        if (n.NeedsGrad(0)) n.Pass(0, Ops.SumTo(Ops.Mul(g, Ops.Map2<PowGradBaseOp>("Pow backward", a, b)), a.Shape));
        if (n.NeedsGrad(1)) n.Pass(1, Ops.SumTo(Ops.Mul(g, Ops.Map2<PowGradExponentOp>("Pow backward", y, a)), b.Shape));
    }

    /// <summary>dx = g where min &lt;= x &lt;= max, else 0.</summary>
    public static void Clamp(Node n, Tensor g)
    {
        var x = n.Inputs[0];
        var inside = Ops.Mul(Ops.Map2<GeOp>("Clamp backward", x, Ops.ScalarLike(n.Floats[0])),
            Ops.Map2<LeOp>("Clamp backward", x, Ops.ScalarLike(n.Floats[1])));
        n.Pass(0, Ops.Map2<MaskKeepOp>("Clamp backward", g, inside));
    }

    public static void Maximum(Node n, Tensor g) => PassSelected(n, g, swap: false);

    public static void Minimum(Node n, Tensor g) => PassSelected(n, g, swap: true);

    /// <summary>Splits g between the operands of maximum (or, swapped, minimum) by who won each element.</summary>
    private static void PassSelected(Node n, Tensor g, bool swap)
    {
        Tensor a = n.Saved[0]!, b = n.Saved[1]!;
        var (hi, lo) = swap ? (b, a) : (a, b);
        if (n.NeedsGrad(0)) n.Pass(0, Ops.SumTo(Ops.Mul(g, Ops.Map2<SelectionWeightOp>("Maximum backward", hi, lo)), a.Shape));
        if (n.NeedsGrad(1)) n.Pass(1, Ops.SumTo(Ops.Mul(g, Ops.Map2<SelectionWeightOp>("Maximum backward", lo, hi)), b.Shape));
    }
}
