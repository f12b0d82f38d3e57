using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

/// <summary>
/// The op set. Each op checks its inputs (errors name the op and the shapes), runs a kernel and
/// records its backward rule from <see cref="Autograd.GradRules"/> when gradients are on.
/// </summary>
public static partial class Ops
{
    internal static void RequireFloat(string op, Tensor t)
    {
        if (t.DType != DType.Float32)
            throw new ArgumentException($"{op}: expected a Float32 tensor, got {t.DType} of shape {ShapeUtil.Format(t.Shape)}");
    }

    internal static void RequireLong(string op, Tensor t)
    {
        if (t.DType != DType.Int64)
            throw new ArgumentException($"{op}: expected an Int64 tensor, got {t.DType} of shape {ShapeUtil.Format(t.Shape)}");
    }

    /// <summary>Strides of <paramref name="t"/> seen through a broadcast to <paramref name="shape"/> (0 on broadcast dims).</summary>
    internal static int[] BroadcastStrides(Tensor t, int[] shape)
    {
        var st = new int[shape.Length];
        int lead = shape.Length - t.Rank;
        for (int i = lead; i < shape.Length; i++)
            st[i] = t.Shape[i - lead] == 1 && shape[i] != 1 ? 0 : t.Strides[i - lead];
        return st;
    }

    /// <summary>Allocates the broadcast result of a binary op and fills it.</summary>
    internal static Tensor Map2<TOp>(string op, Tensor a, Tensor b) where TOp : IBinaryOp
    {
        RequireFloat(op, a);
        RequireFloat(op, b);
        var o = Tensor.Empty(ShapeUtil.Broadcast(op, a.Shape, b.Shape));
        Map2Into<TOp>(a, b, o);
        return o;
    }

    /// <summary>
    /// o = op(a, b) with broadcasting; o has the broadcast shape and a layout in which no element repeats
    /// (contiguous, or a strided view such as a slice of a gradient buffer) with unit stride innermost.
    /// </summary>
    internal static unsafe void Map2Into<TOp>(Tensor a, Tensor b, Tensor o) where TOp : IBinaryOp
    {
        if (o.Numel == 0) return;
        var shape = o.Shape;
        var sa = BroadcastStrides(a, shape);
        var sb = BroadcastStrides(b, shape);
        var so = o.Strides;
        // Coalesce dims that are contiguous with their inner neighbour in all operands, so that the
        // inner run is as long as possible (e.g. [B,N,C] + [C] -> B*N runs of C).
        Span<int> dims = stackalloc int[shape.Length + 1];
        Span<int> as_ = stackalloc int[shape.Length + 1];
        Span<int> bs = stackalloc int[shape.Length + 1];
        Span<int> os = stackalloc int[shape.Length + 1];
        int r = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (r > 0 && as_[r - 1] == sa[i] * shape[i] && bs[r - 1] == sb[i] * shape[i] && os[r - 1] == so[i] * shape[i])
            {
                dims[r - 1] *= shape[i];
                as_[r - 1] = sa[i];
                bs[r - 1] = sb[i];
                os[r - 1] = so[i];
                continue;
            }
            dims[r] = shape[i]; as_[r] = sa[i]; bs[r] = sb[i]; os[r] = so[i];
            r++;
        }
        if (r == 0) { dims[0] = 1; as_[0] = 0; bs[0] = 0; os[0] = 1; r = 1; }
        if (os[r - 1] != 1) throw new ArgumentException($"Map2Into: output of shape {ShapeUtil.Format(shape)} needs unit stride innermost");
        ElementwiseParallel.Binary<TOp>(a.Ptr, b.Ptr, o.Ptr, dims, as_, bs, os, r);
    }

    /// <summary>Applies a unary operator elementwise (copying a non-contiguous input first).</summary>
    internal static unsafe Tensor Map1<TOp>(string op, Tensor x) where TOp : IUnaryOp
    {
        RequireFloat(op, x);
        var src = x.Contiguous();
        var o = Tensor.Empty(x.Shape);
        ElementwiseParallel.Unary<TOp>(src.Ptr, o.Ptr, o.Numel);
        return o;
    }
}
