using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    public static Tensor Add(Tensor a, Tensor b)
    {
        var o = Map2<AddOp>("Add", a, b);
        Engine.Record(o, "add", GradRules.Add, a, b);
        return o;
    }

    public static Tensor Sub(Tensor a, Tensor b)
    {
        var o = Map2<SubOp>("Sub", a, b);
        Engine.Record(o, "sub", GradRules.Sub, a, b);
        return o;
    }

    public static Tensor Mul(Tensor a, Tensor b)
    {
        var o = Map2<MulOp>("Mul", a, b);
        var node = Engine.Record(o, "mul", GradRules.Mul, a, b);
        if (node != null) node.Saved = new Tensor?[] { a, b };
        return o;
    }

    public static Tensor Div(Tensor a, Tensor b)
    {
        var o = Map2<DivOp>("Div", a, b);
        var node = Engine.Record(o, "div", GradRules.Div, a, b);
        if (node != null) node.Saved = new Tensor?[] { a, b };
        return o;
    }

    public static Tensor Add(Tensor a, float b) => Add(a, ScalarLike(b));
    public static Tensor Sub(Tensor a, float b) => Add(a, ScalarLike(-b));
    public static Tensor Mul(Tensor a, float b) => Mul(a, ScalarLike(b));
    public static Tensor Div(Tensor a, float b) => Mul(a, ScalarLike(1f / b));

    /// <summary>A 0-dim constant used to broadcast a scalar into a binary op.</summary>
    internal static Tensor ScalarLike(float v)
    {
        var t = Tensor.Empty(Array.Empty<int>());
        t.Data[t.Offset] = v;
        return t;
    }

    /// <summary>dst += src in place (src broadcast to dst); not recorded. For gradient accumulation and optimizers.</summary>
    public static void AddInPlace(Tensor dst, Tensor src)
    {
        RequireFloat("AddInPlace", dst);
        RequireFloat("AddInPlace", src);
        if (!dst.IsContiguous) throw new ArgumentException($"AddInPlace: destination of shape {ShapeUtil.Format(dst.Shape)} must be contiguous");
        var shape = ShapeUtil.Broadcast("AddInPlace", dst.Shape, src.Shape);
        if (!ShapeUtil.SameShape(shape, dst.Shape))
            throw new ArgumentException($"AddInPlace: {ShapeUtil.Format(src.Shape)} does not broadcast to destination {ShapeUtil.Format(dst.Shape)}");
        Map2Into<AddOp>(dst, src, dst);
    }

    /// <summary>Copies <paramref name="src"/> (broadcast) into the view <paramref name="dst"/>; not recorded.</summary>
    public static void CopyInto(Tensor dst, Tensor src)
    {
        if (dst.DType != src.DType) throw new ArgumentException($"CopyInto: {src.DType} into {dst.DType}");
        var s = src;
        if (!ShapeUtil.SameShape(src.Shape, dst.Shape)) s = src.Expand(dst.Shape);
        if (dst.DType == DType.Float32)
        {
            var tmp = s.Contiguous();
            Strided.CopyFromContiguous<float>(tmp.Span, dst.Data, dst.Offset, dst.Shape, dst.Strides);
        }
        else
        {
            var tmp = s.Contiguous();
            Strided.CopyFromContiguous<long>(tmp.LongSpan, dst.LongData, dst.Offset, dst.Shape, dst.Strides);
        }
    }

    /// <summary>Sums a broadcast gradient back to <paramref name="shape"/> (the adjoint of broadcasting).</summary>
    public static Tensor SumTo(Tensor g, int[] shape)
    {
        if (ShapeUtil.SameShape(g.Shape, shape)) return g;
        int lead = g.Rank - shape.Length;
        if (lead < 0) throw new ArgumentException($"SumTo: cannot sum {ShapeUtil.Format(g.Shape)} to larger rank {ShapeUtil.Format(shape)}");
        var axes = new List<int>();
        for (int i = 0; i < g.Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && g.Shape[i] != 1)) axes.Add(i);
        var s = Sum(g, axes.ToArray(), keepDim: true);
        return s.Reshape(shape);
    }
}
