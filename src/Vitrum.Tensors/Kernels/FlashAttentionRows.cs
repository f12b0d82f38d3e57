using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Row-wise steps of the fused attention kernels over one block row of scores (a few hundred
/// floats in L1). Rows are walked in whole vectors; the last, partial one uses masked loads and
/// stores, so a row never reads or writes past its end and needs no scalar tail.
/// </summary>
internal static unsafe class FlashRows
{
    /// <summary>
    /// s[j] = s[j] * scale + bias[j * biasStride] + mask[j * maskStride] for j &lt; limit and -inf for
    /// limit &lt;= j &lt; n (causal masking); returns the row maximum. Absent terms are null pointers;
    /// strides are 0 (one value broadcast along the row) or 1.
    /// </summary>
    public static float Logits<TV, TOps>(float* s, int n, int limit, float scale, float* bias, int biasStride, float* mask, int maskStride)
        where TV : struct where TOps : IFlashVec<TV> =>
        Transform<TV, TOps, KeepLogits>(s, n, limit, scale, bias, biasStride, mask, maskStride, 0f);

    /// <summary>
    /// The probabilities recomputed in one pass from the saved log-sum-exp:
    /// s[j] = exp(s[j] * scale + bias + mask - lse) for j &lt; limit, 0 beyond (arguments as <see cref="Logits{TV, TOps}"/>).
    /// </summary>
    public static void Probabilities<TV, TOps>(float* s, int n, int limit, float scale, float* bias, int biasStride, float* mask, int maskStride, float lse)
        where TV : struct where TOps : IFlashVec<TV> =>
        Transform<TV, TOps, ExpMinusShift>(s, n, limit, scale, bias, biasStride, mask, maskStride, lse);

    /// <summary>s[j] = exp(s[j] - shift) for j &lt; n; returns the sum of the new values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Exp<TV, TOps>(float* s, int n, float shift) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var full = TOps.TailMask(w);
        var vshift = TOps.Splat(shift);
        var sum = TOps.Zero;
        for (int j = 0; j < n; j += w)
        {
            var m = n - j >= w ? full : TOps.TailMask(n - j);
            var e = FlashMath.Exp<TV, TOps>(TOps.Sub(TOps.LoadMasked(s + j, m), vshift));
            TOps.StoreMasked(s + j, e, m);
            sum = TOps.Add(sum, TOps.Select(m, e, TOps.Zero));
        }
        return TOps.SumLanes(sum);
    }

    /// <summary>x[j] *= a for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale<TV, TOps>(float* x, int n, float a) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var full = TOps.TailMask(w);
        var va = TOps.Splat(a);
        for (int j = 0; j < n; j += w)
        {
            var m = n - j >= w ? full : TOps.TailMask(n - j);
            TOps.StoreMasked(x + j, TOps.Mul(TOps.LoadMasked(x + j, m), va), m);
        }
    }

    /// <summary>The dot product of a[0..n) and b[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot<TV, TOps>(float* a, float* b, int n) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var full = TOps.TailMask(w);
        var acc = TOps.Zero;
        for (int j = 0; j < n; j += w)
        {
            var m = n - j >= w ? full : TOps.TailMask(n - j);
            acc = TOps.MulAdd(TOps.LoadMasked(a + j, m), TOps.LoadMasked(b + j, m), acc);
        }
        return TOps.SumLanes(acc);
    }

    /// <summary>
    /// The softmax backward for one row: dp[j] = p[j] * (dp[j] - d), with d = sum(dO * O) of the
    /// row (FlashAttention-2's D, equal to sum_j p[j] dp[j]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxGrad<TV, TOps>(float* p, float* dp, int n, float d) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var full = TOps.TailMask(w);
        var vd = TOps.Splat(d);
        for (int j = 0; j < n; j += w)
        {
            var m = n - j >= w ? full : TOps.TailMask(n - j);
            var g = TOps.Mul(TOps.LoadMasked(p + j, m), TOps.Sub(TOps.LoadMasked(dp + j, m), vd));
            TOps.StoreMasked(dp + j, g, m);
        }
    }

    /// <summary>dst[j] += src[j] for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddInto<TV, TOps>(float* dst, float* src, int n) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var full = TOps.TailMask(w);
        for (int j = 0; j < n; j += w)
        {
            var m = n - j >= w ? full : TOps.TailMask(n - j);
            TOps.StoreMasked(dst + j, TOps.Add(TOps.LoadMasked(dst + j, m), TOps.LoadMasked(src + j, m)), m);
        }
    }

    /// <summary>Sum of src[0..n).</summary>
    public static float Sum<TV, TOps>(float* src, int n) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var full = TOps.TailMask(w);
        var acc = TOps.Zero;
        for (int j = 0; j < n; j += w) acc = TOps.Add(acc, TOps.LoadMasked(src + j, n - j >= w ? full : TOps.TailMask(n - j)));
        return TOps.SumLanes(acc);
    }

    /// <summary>What a row transform does with the logits x it computes: store and reduce them its way.</summary>
    private interface IRowFinish
    {
        static abstract TV Apply<TV, TOps>(TV x, TV shift) where TV : struct where TOps : IFlashVec<TV>;
        static abstract TV Reduce<TV, TOps>(TV acc, TV value) where TV : struct where TOps : IFlashVec<TV>;
        static abstract float ReduceLanes<TV, TOps>(TV acc) where TV : struct where TOps : IFlashVec<TV>;

        /// <summary>The reduction's neutral value, also what keys hidden by causality become.</summary>
        static abstract float Identity { get; }
    }

    /// <summary>Stores the logits, reduces the maximum; hidden keys are -inf.</summary>
    private struct KeepLogits : IRowFinish
    {
        public static TV Apply<TV, TOps>(TV x, TV shift) where TV : struct where TOps : IFlashVec<TV> => x;
        public static TV Reduce<TV, TOps>(TV acc, TV value) where TV : struct where TOps : IFlashVec<TV> => TOps.Max(acc, value);
        public static float ReduceLanes<TV, TOps>(TV acc) where TV : struct where TOps : IFlashVec<TV> => TOps.MaxLanes(acc);
        public static float Identity => float.NegativeInfinity;
    }

    /// <summary>Stores exp(logit - shift), reduces the sum; hidden keys are 0.</summary>
    private struct ExpMinusShift : IRowFinish
    {
        public static TV Apply<TV, TOps>(TV x, TV shift) where TV : struct where TOps : IFlashVec<TV> => FlashMath.Exp<TV, TOps>(TOps.Sub(x, shift));
        public static TV Reduce<TV, TOps>(TV acc, TV value) where TV : struct where TOps : IFlashVec<TV> => TOps.Add(acc, value);
        public static float ReduceLanes<TV, TOps>(TV acc) where TV : struct where TOps : IFlashVec<TV> => TOps.SumLanes(acc);
        public static float Identity => 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Transform<TV, TOps, TFinish>(float* s, int n, int limit, float scale, float* bias, int biasStride,
        float* mask, int maskStride, float shift) where TV : struct where TOps : IFlashVec<TV> where TFinish : IRowFinish
    {
        int w = TOps.Width;
        limit = Math.Clamp(limit, 0, n);
        var full = TOps.TailMask(w);
        var vscale = TOps.Splat(scale);
        var vshift = TOps.Splat(shift);
        var identity = TOps.Splat(TFinish.Identity);
        var acc = identity;
        for (int j = 0; j < limit; j += w)
        {
            var m = limit - j >= w ? full : TOps.TailMask(limit - j);
            var x = TOps.Mul(TOps.LoadMasked(s + j, m), vscale);
            if (bias != null) x = TOps.Add(x, biasStride == 0 ? TOps.Splat(*bias) : TOps.LoadMasked(bias + j, m));
            if (mask != null) x = TOps.Add(x, maskStride == 0 ? TOps.Splat(*mask) : TOps.LoadMasked(mask + j, m));
            x = TFinish.Apply<TV, TOps>(x, vshift);
            TOps.StoreMasked(s + j, x, m);
            acc = TFinish.Reduce<TV, TOps>(acc, TOps.Select(m, x, identity));
        }
        new Span<float>(s + limit, n - limit).Fill(TFinish.Identity);
        return TFinish.ReduceLanes<TV, TOps>(acc);
    }
}
