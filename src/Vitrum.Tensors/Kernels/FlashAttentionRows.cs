using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Row-wise steps of the fused attention kernels over one block row of scores (a few hundred
/// floats in L1). Each runs whole vectors, then finishes the row with the one-lane instantiation.
/// </summary>
internal static unsafe class FlashRows
{
    /// <summary>
    /// s[j] = s[j] * scale + bias[j * biasStride] + mask[j * maskStride] for j &lt; limit and -inf for
    /// limit &lt;= j &lt; n (causal masking); returns the row maximum. Absent terms are null pointers;
    /// strides are 0 (one value broadcast along the row) or 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Logits<TV, TOps>(float* s, int n, int limit, float scale, float* bias, int biasStride, float* mask, int maskStride)
        where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        limit = Math.Clamp(limit, 0, n);
        var vscale = TOps.Splat(scale);
        var vmax = TOps.Splat(float.NegativeInfinity);
        int j = 0;
        for (; j + w <= limit; j += w)
        {
            var x = TOps.Mul(TOps.Load(s + j), vscale);
            if (bias != null) x = TOps.Add(x, biasStride == 0 ? TOps.Splat(*bias) : TOps.Load(bias + j));
            if (mask != null) x = TOps.Add(x, maskStride == 0 ? TOps.Splat(*mask) : TOps.Load(mask + j));
            TOps.Store(s + j, x);
            vmax = TOps.Max(vmax, x);
        }
        float max = TOps.MaxLanes(vmax);
        if (w > 1 && j < limit)
            max = MathF.Max(max, Logits<float, FlashVecScalar>(s + j, limit - j, limit - j, scale,
                bias == null ? null : bias + j * biasStride, biasStride, mask == null ? null : mask + j * maskStride, maskStride));
        new Span<float>(s + limit, n - limit).Fill(float.NegativeInfinity);
        return max;
    }

    /// <summary>s[j] = exp(s[j] - shift) for j &lt; n; returns the sum of the new values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Exp<TV, TOps>(float* s, int n, float shift) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var vshift = TOps.Splat(shift);
        var vsum = TOps.Zero;
        int j = 0;
        for (; j + w <= n; j += w)
        {
            var e = FlashMath.Exp<TV, TOps>(TOps.Sub(TOps.Load(s + j), vshift));
            TOps.Store(s + j, e);
            vsum = TOps.Add(vsum, e);
        }
        float sum = TOps.SumLanes(vsum);
        if (w > 1 && j < n) sum += Exp<float, FlashVecScalar>(s + j, n - j, shift);
        return sum;
    }

    /// <summary>x[j] *= a for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale<TV, TOps>(float* x, int n, float a) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var va = TOps.Splat(a);
        int j = 0;
        for (; j + w <= n; j += w) TOps.Store(x + j, TOps.Mul(TOps.Load(x + j), va));
        if (w > 1 && j < n) Scale<float, FlashVecScalar>(x + j, n - j, a);
    }

    /// <summary>The dot product of a[0..n) and b[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot<TV, TOps>(float* a, float* b, int n) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var acc = TOps.Zero;
        int j = 0;
        for (; j + w <= n; j += w) acc = TOps.MulAdd(TOps.Load(a + j), TOps.Load(b + j), acc);
        float sum = TOps.SumLanes(acc);
        if (w > 1 && j < n) sum += Dot<float, FlashVecScalar>(a + j, b + j, n - j);
        return sum;
    }

    /// <summary>
    /// The softmax backward for one row: dp[j] = p[j] * (dp[j] - d), with d = sum(dO * O) of the
    /// row (FlashAttention-2's D, equal to sum_j p[j] dp[j]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxGrad<TV, TOps>(float* p, float* dp, int n, float d) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var vd = TOps.Splat(d);
        int j = 0;
        for (; j + w <= n; j += w) TOps.Store(dp + j, TOps.Mul(TOps.Load(p + j), TOps.Sub(TOps.Load(dp + j), vd)));
        if (w > 1 && j < n) SoftmaxGrad<float, FlashVecScalar>(p + j, dp + j, n - j, d);
    }

    /// <summary>dst[j] += src[j] for j &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddInto<TV, TOps>(float* dst, float* src, int n) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        int j = 0;
        for (; j + w <= n; j += w) TOps.Store(dst + j, TOps.Add(TOps.Load(dst + j), TOps.Load(src + j)));
        if (w > 1 && j < n) AddInto<float, FlashVecScalar>(dst + j, src + j, n - j);
    }

    /// <summary>Sum of src[0..n).</summary>
    public static float Sum<TV, TOps>(float* src, int n) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var acc = TOps.Zero;
        int j = 0;
        for (; j + w <= n; j += w) acc = TOps.Add(acc, TOps.Load(src + j));
        float sum = TOps.SumLanes(acc);
        if (w > 1 && j < n) sum += Sum<float, FlashVecScalar>(src + j, n - j);
        return sum;
    }
}
