using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    /// <summary>
    /// mask[i] = 0 with probability p, else 1/(1-p). The random bits are a counter-based hash (SplitMix64's
    /// finalizer of key + pair index, two elements per 64 bits) keyed by one draw from <paramref name="gen"/>,
    /// so 16 elements come from one Vector512 step: drawing from the generator element by element took 30 ms
    /// of a 215 ms g2p_transformer step. Lanes and the scalar tail hash the same counters, so the mask
    /// depends only on the generator's state and the element index.
    /// </summary>
    private static void FillDropoutMask(Span<float> mask, float p, Generator gen)
    {
        // An element is dropped when its 32 random bits, read as a fraction of 2^32, fall below p.
        uint threshold = (uint)Math.Min(uint.MaxValue, p * 4294967296.0);
        float scale = 1f / (1f - p);
        ulong key = gen.NextUInt64();
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var pairs = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7) + Vector512.Create(key);
            var step = Vector512.Create(8UL);
            var th = Vector512.Create(threshold);
            var keep = Vector512.Create(scale);
            ref float m = ref MemoryMarshal.GetReference(mask);
            for (; i <= mask.Length - 16; i += 16, pairs += step)
            {
                var bits = Mix(pairs).AsUInt32();
                Vector512.ConditionalSelect(Vector512.LessThan(bits, th).AsSingle(), Vector512<float>.Zero, keep).StoreUnsafe(ref m, (nuint)i);
            }
        }
        for (; i < mask.Length; i++)
        {
            ulong r = Mix(key + (ulong)(i / 2));
            uint half = (uint)(i % 2 == 0 ? r : r >> 32);
            mask[i] = half < threshold ? 0f : scale;
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static Vector512<ulong> Mix(Vector512<ulong> z)
    {
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Vector512.Create(0x94D049BB133111EBUL);
        return z ^ Vector512.ShiftRightLogical(z, 31);
    }
}
