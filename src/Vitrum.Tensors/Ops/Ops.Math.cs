using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Records output <paramref name="o"/> of a pointwise op on <paramref name="x"/> whose backward is one
    /// broadcast pass of <typeparamref name="TGrad"/> over (gradient, <paramref name="saved"/>).
    /// </summary>
    private static Tensor RecordPointwise<TGrad>(string op, Tensor x, Tensor o, Tensor saved) where TGrad : IBinaryOp
    {
        var node = Engine.Record(o, op, GradRules.Pointwise<TGrad>, x);
        if (node != null) node.Saved = new Tensor?[] { saved };
        return o;
    }

    /// <summary>Runs <typeparamref name="TOp"/> over x and records <typeparamref name="TGrad"/> as its backward.</summary>
    private static Tensor Pointwise<TOp, TGrad>(string op, Tensor x, bool saveOutput) where TOp : IUnaryOp where TGrad : IBinaryOp
    {
        var o = Map1<TOp>(op, x);
        return RecordPointwise<TGrad>(op, x, o, saveOutput ? o : x);
    }

    public static Tensor Sqrt(Tensor x) => Pointwise<SqrtOp, SqrtGradOp>("Sqrt", x, saveOutput: true);

    /// <summary>1 / sqrt(x).</summary>
    public static Tensor Rsqrt(Tensor x) => Pointwise<RsqrtOp, RsqrtGradOp>("Rsqrt", x, saveOutput: true);

    /// <summary>|x|; the gradient is sign(x), 0 at 0.</summary>
    public static Tensor Abs(Tensor x) => Pointwise<AbsOp, AbsGradOp>("Abs", x, saveOutput: false);

    /// <summary>The Gauss error function (vectorized, max abs error ~1e-7).</summary>
    public static Tensor Erf(Tensor x) => Pointwise<ErfOp, ErfGradOp>("Erf", x, saveOutput: false);

    /// <summary>
    /// x^exponent. Like PyTorch, the exponents 2, 3, 0.5, -0.5, -1 and -2 run as products, square
    /// roots and divisions; the rest as a correctly rounded pow.
    /// </summary>
    public static Tensor Pow(Tensor x, float exponent)
    {
        RequireFloat("Pow", x);
        Tensor o;
        using (GradMode.NoGrad())
        {
            o = exponent switch
            {
                1f => x.Clone(),
                2f => Map1<SquareOp>("Pow", x),
                3f => Map1<CubeOp>("Pow", x),
                0.5f => Map1<SqrtOp>("Pow", x),
                -0.5f => Map1<RsqrtOp>("Pow", x),
                -1f => Map1<ReciprocalOp>("Pow", x),
                -2f => Map1<ReciprocalOp>("Pow", Map1<SquareOp>("Pow", x)),
                _ => Map2<PowOp>("Pow", x, ScalarLike(exponent)),
            };
        }
        var node = Engine.Record(o, "Pow", GradRules.PowScalar, x);
        if (node != null) node.Floats = new[] { exponent };
        return o;
    }

    /// <summary>a^b elementwise with broadcasting; both operands receive gradients.</summary>
    public static Tensor Pow(Tensor a, Tensor b)
    {
        var o = Map2<PowOp>("Pow", a, b);
        var node = Engine.Record(o, "Pow", GradRules.Pow, a, b);
        if (node != null) node.Saved = new Tensor?[] { a, b, o };
        return o;
    }

    /// <summary>
    /// min(max(x, min), max) with either bound optional (at least one is required). As in PyTorch,
    /// min &gt; max gives max everywhere, NaN stays NaN, and the gradient flows where min &lt;= x &lt;= max.
    /// </summary>
    public static Tensor Clamp(Tensor x, float? min = null, float? max = null)
    {
        RequireFloat("Clamp", x);
        if (min == null && max == null)
            throw new ArgumentException($"Clamp: at least one of min and max is required (input {ShapeUtil.Format(x.Shape)})");
        Tensor o;
        using (GradMode.NoGrad())
        {
            o = x;
            if (min is float lo) o = Map2<MaxOp>("Clamp", o, ScalarLike(lo));
            if (max is float hi) o = Map2<MinOp>("Clamp", o, ScalarLike(hi));
        }
        var node = Engine.Record(o, "Clamp", GradRules.Clamp, x);
        if (node != null) node.Floats = new[] { min ?? float.NegativeInfinity, max ?? float.PositiveInfinity };
        return o;
    }

    /// <summary>Elementwise maximum with broadcasting; NaN wins, and a tie passes half the gradient to each side.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Selection<MaxOp>("Maximum", GradRules.Maximum, a, b);

    /// <summary>Elementwise minimum with broadcasting; NaN wins, and a tie passes half the gradient to each side.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Selection<MinOp>("Minimum", GradRules.Minimum, a, b);

    /// <summary>Maximum or minimum: the backward rule compares the saved operands to see who won.</summary>
    private static Tensor Selection<TOp>(string op, BackwardFn rule, Tensor a, Tensor b) where TOp : IBinaryOp
    {
        var o = Map2<TOp>(op, a, b);
        var node = Engine.Record(o, op, rule, a, b);
        if (node != null) node.Saved = new Tensor?[] { a, b };
        return o;
    }
}
