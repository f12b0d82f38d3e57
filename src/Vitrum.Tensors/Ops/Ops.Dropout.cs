using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: while <paramref name="training"/>, zeroes each element with probability
    /// <paramref name="p"/> (drawn from <paramref name="gen"/>) and scales the rest by 1/(1-p), so that
    /// evaluation needs no rescaling. Returns x itself when not training or p = 0; zeros when p = 1.
    /// The mask is kept for the backward pass.
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, bool training, Generator gen)
    {
        RequireFloat("Dropout", x);
        if (!(p >= 0f && p <= 1f))
            throw new ArgumentException($"Dropout: probability has to be between 0 and 1, but got {p} (input {ShapeUtil.Format(x.Shape)})");
        if (!training || p == 0f) return x;
        var mask = Tensor.Empty(x.Shape);
        if (p == 1f) mask.Span.Clear();
        else FillDropoutMask(mask.Span, p, gen);
        var o = Map2<MulOp>("Dropout", x, mask);
        return RecordPointwise<MulOp>("Dropout", x, o, mask);
    }

    /// <summary>mask[i] = 0 with probability p, else 1/(1-p); two elements per 64 random bits.</summary>
    private static void FillDropoutMask(Span<float> mask, float p, Generator gen)
    {
        // An element is dropped when its 32 random bits, read as a fraction of 2^32, fall below p.
        ulong threshold = (ulong)(p * 4294967296.0);
        float scale = 1f / (1f - p);
        int i = 0;
        for (; i + 1 < mask.Length; i += 2)
        {
            ulong r = gen.NextUInt64();
            mask[i] = (r & 0xFFFFFFFFUL) < threshold ? 0f : scale;
            mask[i + 1] = (r >> 32) < threshold ? 0f : scale;
        }
        if (i < mask.Length) mask[i] = (gen.NextUInt64() >> 32) < threshold ? 0f : scale;
    }
}
