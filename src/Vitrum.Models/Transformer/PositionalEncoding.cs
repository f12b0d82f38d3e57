// Attention Is All You Need (Vaswani et al., 2017), section 3.5.
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Transformer;

/// <summary>The sinusoidal position encoding of Vaswani et al. (2017), section 3.5.</summary>
public static class PositionalEncoding
{
    /// <summary>
    /// [maxLen, dModel]: PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)),
    /// evaluated in double and rounded once, so long positions keep full float32 accuracy. Created outside
    /// any scope (a model holds it for its lifetime).
    /// </summary>
    public static Tensor Table(int maxLen, int dModel)
    {
        using var _ = TensorScope.Suppress();
        var t = Tensor.Empty([maxLen, dModel]);
        var s = t.AsSpan();
        for (int pos = 0; pos < maxLen; pos++)
            for (int i = 0; i < dModel; i += 2)
            {
                double angle = pos / Math.Pow(10000.0, (double)i / dModel);
                s[pos * dModel + i] = (float)Math.Sin(angle);
                if (i + 1 < dModel) s[pos * dModel + i + 1] = (float)Math.Cos(angle);
            }
        return t;
    }
}
