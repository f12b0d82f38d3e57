using System.Numerics.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>Runs a TensorPrimitives span function over a contiguous copy of the input.</summary>
    private static Tensor MapPrimitive(string op, Tensor x, SpanMap f)
    {
        RequireFloat(op, x);
        var src = x.Contiguous();
        var o = Tensor.Empty(x.Shape);
        f(src.Span, o.Span);
        return o;
    }

    private delegate void SpanMap(ReadOnlySpan<float> x, Span<float> destination);

    public static Tensor Neg(Tensor x)
    {
        var o = MapPrimitive("Neg", x, TensorPrimitives.Negate);
        Engine.Record(o, "neg", GradRules.Neg, x);
        return o;
    }

    public static Tensor Exp(Tensor x)
    {
        var o = MapPrimitive("Exp", x, TensorPrimitives.Exp);
        var node = Engine.Record(o, "exp", GradRules.Exp, x);
        if (node != null) node.Saved = new Tensor?[] { o };
        return o;
    }

    public static Tensor Log(Tensor x)
    {
        var o = MapPrimitive("Log", x, TensorPrimitives.Log);
        Engine.Record(o, "log", GradRules.Log, x);
        return o;
    }
}
