using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>a == b with broadcasting, as Int64 0/1. Float32 with Float32, or Int64 with Int64 (compared exactly).</summary>
    public static Tensor Eq(Tensor a, Tensor b) => a.DType == DType.Int64 || b.DType == DType.Int64 ? LongEquality("Eq", a, b, equal: true) : Compare<EqOp>("Eq", a, b);

    public static Tensor Ne(Tensor a, Tensor b) => a.DType == DType.Int64 || b.DType == DType.Int64 ? LongEquality("Ne", a, b, equal: false) : Compare<NeOp>("Ne", a, b);

    public static Tensor Gt(Tensor a, Tensor b) => Compare<GtOp>("Gt", a, b);
    public static Tensor Ge(Tensor a, Tensor b) => Compare<GeOp>("Ge", a, b);
    public static Tensor Lt(Tensor a, Tensor b) => Compare<LtOp>("Lt", a, b);
    public static Tensor Le(Tensor a, Tensor b) => Compare<LeOp>("Le", a, b);

    public static Tensor Eq(Tensor a, float b) => Compare<EqOp>("Eq", a, ScalarLike(b));
    public static Tensor Ne(Tensor a, float b) => Compare<NeOp>("Ne", a, ScalarLike(b));
    public static Tensor Gt(Tensor a, float b) => Compare<GtOp>("Gt", a, ScalarLike(b));
    public static Tensor Ge(Tensor a, float b) => Compare<GeOp>("Ge", a, ScalarLike(b));
    public static Tensor Lt(Tensor a, float b) => Compare<LtOp>("Lt", a, ScalarLike(b));
    public static Tensor Le(Tensor a, float b) => Compare<LeOp>("Le", a, ScalarLike(b));

    /// <summary>a == b for an Int64 tensor and an integer (e.g. a padding mask from token ids); a Float32 <paramref name="a"/> compares with (float)b.</summary>
    public static Tensor Eq(Tensor a, long b) => a.DType == DType.Float32 ? Eq(a, (float)b) : LongEquality("Eq", a, Tensor.FromLongs(new[] { b }).Reshape(), equal: true);

    public static Tensor Ne(Tensor a, long b) => a.DType == DType.Float32 ? Ne(a, (float)b) : LongEquality("Ne", a, Tensor.FromLongs(new[] { b }).Reshape(), equal: false);

    /// <summary>Runs a float comparison and converts its 1/0 result to Int64; comparisons record no gradient.</summary>
    private static Tensor Compare<TOp>(string op, Tensor a, Tensor b) where TOp : IBinaryOp
    {
        var f = Map2<TOp>(op, a, b);
        var o = Tensor.Empty(f.Shape, DType.Int64);
        var src = f.Span;
        var dst = o.LongSpan;
        for (int i = 0; i < src.Length; i++) dst[i] = (long)src[i];
        f.Dispose();
        return o;
    }

    private static Tensor LongEquality(string op, Tensor a, Tensor b, bool equal)
    {
        RequireLong(op, a);
        RequireLong(op, b);
        var shape = ShapeUtil.Broadcast(op, a.Shape, b.Shape);
        var ea = a.Expand(shape).Contiguous().LongSpan;
        var eb = b.Expand(shape).Contiguous().LongSpan;
        var o = Tensor.Empty(shape, DType.Int64);
        var d = o.LongSpan;
        for (int i = 0; i < d.Length; i++) d[i] = (ea[i] == eb[i]) == equal ? 1 : 0;
        return o;
    }

    /// <summary>
    /// Elementwise cond ? a : b with broadcasting of all three. <paramref name="cond"/> is Int64 or
    /// Float32, true where nonzero (NaN counts as true); a gets the gradient where cond holds, b elsewhere.
    /// </summary>
    public static unsafe Tensor Where(Tensor cond, Tensor a, Tensor b)
    {
        RequireFloat("Where", a);
        RequireFloat("Where", b);
        var shape = ShapeUtil.Broadcast("Where", ShapeUtil.Broadcast("Where", cond.Shape, a.Shape), b.Shape);
        var m = MaskOf(cond, shape);
        var o = Tensor.Empty(shape);
        using (GradMode.NoGrad())
        {
            // A one-element operand is read with stride 0 instead of being expanded into a full copy.
            var ea = a.Numel == 1 ? a : a.Expand(shape).Contiguous();
            var eb = b.Numel == 1 ? b : b.Expand(shape).Contiguous();
            SelectKernel.Run(m.Ptr, ea.Ptr, a.Numel == 1 ? 0 : 1, eb.Ptr, b.Numel == 1 ? 0 : 1, o.Ptr, o.Numel);
        }
        var node = Engine.Record(o, "Where", GradRules.Where, a, b);
        if (node != null) node.Saved = new Tensor?[] { m };
        return o;
    }

    public static Tensor Where(Tensor cond, Tensor a, float b) => Where(cond, a, ScalarLike(b));
    public static Tensor Where(Tensor cond, float a, Tensor b) => Where(cond, ScalarLike(a), b);

    /// <summary>
    /// x with <paramref name="value"/> where <paramref name="mask"/> (Int64 or Float32, nonzero = true,
    /// broadcast to x's shape) holds; x gets the gradient elsewhere.
    /// </summary>
    public static Tensor MaskedFill(Tensor x, Tensor mask, float value)
    {
        RequireFloat("MaskedFill", x);
        if (!ShapeUtil.SameShape(ShapeUtil.Broadcast("MaskedFill", x.Shape, mask.Shape), x.Shape))
            throw new ArgumentException($"MaskedFill: mask {ShapeUtil.Format(mask.Shape)} does not broadcast to input {ShapeUtil.Format(x.Shape)}");
        return Where(mask, ScalarLike(value), x);
    }

    /// <summary><paramref name="cond"/> broadcast to <paramref name="shape"/> as a contiguous Float32 tensor, nonzero where true.</summary>
    private static Tensor MaskOf(Tensor cond, int[] shape)
    {
        using var _ = GradMode.NoGrad();
        if (cond.DType == DType.Float32) return cond.Expand(shape).Contiguous();
        var src = cond.Expand(shape).Contiguous().LongSpan;
        var m = Tensor.Empty(shape);
        var d = m.Span;
        for (int i = 0; i < d.Length; i++) d[i] = src[i] != 0 ? 1f : 0f;
        return m;
    }
}
