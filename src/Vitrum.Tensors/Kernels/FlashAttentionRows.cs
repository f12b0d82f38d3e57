using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Row-wise steps of the fused attention kernels over one block row of scores (a few hundred
/// floats in L1). Rows are walked in whole vectors with plain loads and stores; only the last,
/// partial vector uses masked ones (a masked load or store on every vector made these loops 4x
/// slower here), so a row never reads or writes past its end and needs no scalar tail.
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

    /// <summary>
    /// The row maximum of s[j] * scale for j &lt; limit (scale &gt; 0), with s[j] = -inf for limit &lt;= j &lt; n
    /// and s otherwise left unscaled: the logits when no bias or mask is added, without a store pass
    /// (<see cref="Exp{TV, TOps}"/> applies the scale).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ScaledMax<TV, TOps>(float* s, int n, int limit, float scale) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width, j = 0;
        limit = Math.Clamp(limit, 0, n);
        var ninf = TOps.Splat(float.NegativeInfinity);
        TV max0 = ninf, max1 = ninf;
        for (; j + 2 * w <= limit; j += 2 * w)
        {
            max0 = TOps.Max(max0, TOps.Load(s + j));
            max1 = TOps.Max(max1, TOps.Load(s + j + w));
        }
        for (; j < limit; j += w)
        {
            var m = TOps.TailMask(limit - j);
            max0 = TOps.Max(max0, TOps.Select(m, TOps.LoadMasked(s + j, m), ninf));
        }
        new Span<float>(s + limit, n - limit).Fill(float.NegativeInfinity);
        return TOps.MaxLanes(TOps.Max(max0, max1)) * scale;
    }

    /// <summary>s[j] = exp(s[j] * scale - shift) for j &lt; n; returns the sum of the new values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Exp<TV, TOps>(float* s, int n, float scale, float shift) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width, j = 0;
        var vscale = TOps.Splat(scale);
        var vshift = TOps.Splat(-shift);
        TV sum0 = TOps.Zero, sum1 = TOps.Zero;
        // Two vectors a step: two independent exp chains and sums keep both FMA pipes busy.
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var e0 = FlashMath.Exp<TV, TOps>(TOps.MulAdd(TOps.Load(s + j), vscale, vshift));
            var e1 = FlashMath.Exp<TV, TOps>(TOps.MulAdd(TOps.Load(s + j + w), vscale, vshift));
            TOps.Store(s + j, e0);
            TOps.Store(s + j + w, e1);
            sum0 = TOps.Add(sum0, e0);
            sum1 = TOps.Add(sum1, e1);
        }
        for (; j < n; j += w)
        {
            var m = TOps.TailMask(n - j);
            var e = FlashMath.Exp<TV, TOps>(TOps.MulAdd(TOps.LoadMasked(s + j, m), vscale, vshift));
            TOps.StoreMasked(s + j, e, m);
            sum0 = TOps.Add(sum0, TOps.Select(m, e, TOps.Zero));
        }
        return TOps.SumLanes(TOps.Add(sum0, sum1));
    }

    /// <summary>x[j] *= a for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale<TV, TOps>(float* x, int n, float a) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width, j = 0;
        var va = TOps.Splat(a);
        for (; j + w <= n; j += w) TOps.Store(x + j, TOps.Mul(TOps.Load(x + j), va));
        if (j < n)
        {
            var m = TOps.TailMask(n - j);
            TOps.StoreMasked(x + j, TOps.Mul(TOps.LoadMasked(x + j, m), va), m);
        }
    }

    /// <summary>The dot product of a[0..n) and b[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot<TV, TOps>(float* a, float* b, int n) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width, j = 0;
        var acc = TOps.Zero;
        for (; j + w <= n; j += w) acc = TOps.MulAdd(TOps.Load(a + j), TOps.Load(b + j), acc);
        if (j < n)
        {
            var m = TOps.TailMask(n - j);
            acc = TOps.MulAdd(TOps.LoadMasked(a + j, m), TOps.LoadMasked(b + j, m), acc);
        }
        return TOps.SumLanes(acc);
    }

    /// <summary>
    /// The softmax backward for one row, scaled: dp[j] = p[j] * (dp[j] - d) * scale, with d = sum(dO * O)
    /// of the row (FlashAttention-2's D, equal to sum_j p[j] dp[j]). Returns the sum of the unscaled
    /// values (a bias broadcast along the keys gets it as its gradient) and, when
    /// <paramref name="biasRow"/> is not null, adds the unscaled values into it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SoftmaxGrad<TV, TOps>(float* p, float* dp, int n, float d, float scale, float* biasRow)
        where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width, j = 0;
        var vd = TOps.Splat(d);
        var vs = TOps.Splat(scale);
        var sum = TOps.Zero;
        for (; j + w <= n; j += w)
        {
            var g = TOps.Mul(TOps.Load(p + j), TOps.Sub(TOps.Load(dp + j), vd));
            sum = TOps.Add(sum, g);
            if (biasRow != null) TOps.Store(biasRow + j, TOps.Add(TOps.Load(biasRow + j), g));
            TOps.Store(dp + j, TOps.Mul(g, vs));
        }
        if (j < n)
        {
            var m = TOps.TailMask(n - j);
            var g = TOps.Mul(TOps.LoadMasked(p + j, m), TOps.Sub(TOps.LoadMasked(dp + j, m), vd));
            g = TOps.Select(m, g, TOps.Zero);
            sum = TOps.Add(sum, g);
            if (biasRow != null) TOps.StoreMasked(biasRow + j, TOps.Add(TOps.LoadMasked(biasRow + j, m), g), m);
            TOps.StoreMasked(dp + j, TOps.Mul(g, vs), m);
        }
        return TOps.SumLanes(sum);
    }

    /// <summary>dst[j] += src[j] for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddInto<TV, TOps>(float* dst, float* src, int n) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width, j = 0;
        for (; j + w <= n; j += w) TOps.Store(dst + j, TOps.Add(TOps.Load(dst + j), TOps.Load(src + j)));
        if (j < n)
        {
            var m = TOps.TailMask(n - j);
            TOps.StoreMasked(dst + j, TOps.Add(TOps.LoadMasked(dst + j, m), TOps.LoadMasked(src + j, m)), m);
        }
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
        var vscale = TOps.Splat(scale);
        var vshift = TOps.Splat(shift);
        var identity = TOps.Splat(TFinish.Identity);
        var acc = identity;
        int j = 0;
        for (; j + w <= limit; j += w)
        {
            var x = TOps.Mul(TOps.Load(s + j), vscale);
            if (bias != null) x = TOps.Add(x, biasStride == 0 ? TOps.Splat(*bias) : TOps.Load(bias + j));
            if (mask != null) x = TOps.Add(x, maskStride == 0 ? TOps.Splat(*mask) : TOps.Load(mask + j));
            x = TFinish.Apply<TV, TOps>(x, vshift);
            TOps.Store(s + j, x);
            acc = TFinish.Reduce<TV, TOps>(acc, x);
        }
        if (j < limit)
        {
            var m = TOps.TailMask(limit - j);
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
