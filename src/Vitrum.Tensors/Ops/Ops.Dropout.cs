using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: while <paramref name="training"/>, zeroes each element with probability
    /// <paramref name="p"/> (drawn from <paramref name="gen"/>) and scales the rest by 1/(1-p), so that
    /// evaluation needs no rescaling. Returns x itself when not training or p = 0; zeros when p = 1.
    /// The mask (<see cref="DropoutMask"/>: a hash of one draw from the generator and the element index) is
    /// kept for the backward pass.
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, bool training, Generator gen)
    {
        RequireFloat("Dropout", x);
        if (!(p >= 0f && p <= 1f))
            throw new ArgumentException($"Dropout: probability has to be between 0 and 1, but got {p} (input {ShapeUtil.Format(x.Shape)})");
        if (!training || p == 0f) return x;
        var mask = Tensor.Empty(x.Shape);
        if (p == 1f) mask.Span.Clear();
        else unsafe { new DropoutMask(p, gen.NextUInt64()).FillParallel(mask.Ptr, mask.Numel); }
        var o = Map2<MulOp>("Dropout", x, mask);
        return RecordPointwise<MulOp>("Dropout", x, o, mask);
    }
}
