using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Heads whose keys, head dim and value dim each fit one vector (TNT's 16-pixel inner attention, 4 pixels in
/// tnt_mnist): a query row's scores are one register, so the softmax, the product with V and, backward, every
/// gradient of the row are computed in registers, one row at a time, without the block products, score
/// blocks and per-row calls of the general kernel, whose fixed costs are most of the time of a head this small.
/// Only K^T (and V^T backward) are packed, d (dv) vectors per head, into the jobs' scratch: a head here needs at
/// most (d + dv + 2 Nk + 2) vectors, far less than the general kernels' score blocks. Causal and dropout problems take the
/// general path; so do heads of more queries than one query block holds. The forward and backward jobs call these per head, so scheduling and the shared-bias split
/// stay theirs.
/// </summary>
internal static unsafe class FlashAttentionSmall
{
    /// <summary>Whether a head of <paramref name="p"/> runs here at vector width <typeparamref name="TOps"/>.</summary>
    public static bool Fits<TV, TOps>(in AttentionProblem p) where TV : struct where TOps : IFlashVec<TV> =>
        p.Nk <= TOps.Width && p.Nq <= FlashAttention.SmallHeadRows && p.D <= TOps.Width && p.Dv <= TOps.Width && p.Nk > 0 && !p.Causal && !p.Dropout.Active && TOps.Width > 1;

    /// <summary>Output rows and log-sum-exp of head <paramref name="head"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TV, TOps>(in AttentionProblem p, int head, in AttentionOperand output, float* lse, float* scratch)
        where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width, b = head / p.H, h = head % p.H;
        float* q = p.Q.Head(b, h), v = p.V.Head(b, h), o = output.Head(b, h);
        float* kt = scratch, e = kt + p.D * w;
        FlashTiles.PackTransposed(p.K.Head(b, h), p.Nk, p.K.StrideRow, p.D, kt, w);
        var dvMask = TOps.TailMask(p.Dv);
        lse += (long)head * p.Nq;
        for (int i = 0; i < p.Nq; i++)
        {
            var s = Logits<TV, TOps>(p, b, h, i, q + (long)i * p.Q.StrideRow, kt);
            float max = TOps.MaxLanes(s);
            float* oi = o + (long)i * output.StrideRow;
            if (float.IsNegativeInfinity(max))
            {
                // Every key masked: zero output, and lse = +inf makes every recomputed probability 0.
                TOps.StoreMasked(oi, TOps.Zero, dvMask);
                lse[i] = float.PositiveInfinity;
                continue;
            }
            var ex = FlashMath.Exp<TV, TOps>(TOps.Sub(s, TOps.Splat(max)));
            float sum = TOps.SumLanes(ex);
            TOps.Store(e, ex);
            var acc = TOps.Zero;
            for (int j = 0; j < p.Nk; j++) acc = TOps.MulAdd(TOps.Splat(e[j]), TOps.LoadMasked(v + (long)j * p.V.StrideRow, dvMask), acc);
            TOps.StoreMasked(oi, TOps.Mul(acc, TOps.Splat(1f / sum)), dvMask);
            lse[i] = max + MathF.Log(sum);
        }
    }

    /// <summary>
    /// dq, dk, dv of head <paramref name="head"/> (every element written) and, when <paramref name="biasGrad"/> is
    /// not null (already at this head's slice of the bias), the bias gradient added in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<TV, TOps>(in AttentionProblem p, int head, in AttentionGradients g, float* lse,
        float* biasGrad, in AttentionAdditive biasLayout, float* scratch) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width, b = head / p.H, h = head % p.H, nk = p.Nk;
        float* q = p.Q.Head(b, h), k = p.K.Head(b, h);
        float* o = g.Output.Head(b, h), dO = g.GradOutput.Head(b, h);
        float* kt = scratch, vt = kt + p.D * w, dkAcc = vt + p.Dv * w, dvAcc = dkAcc + nk * w, probs = dvAcc + nk * w, grads = probs + w;
        FlashTiles.PackTransposed(k, nk, p.K.StrideRow, p.D, kt, w);
        FlashTiles.PackTransposed(p.V.Head(b, h), nk, p.V.StrideRow, p.Dv, vt, w);
        new Span<float>(dkAcc, 2 * nk * w).Clear();
        var dMask = TOps.TailMask(p.D);
        var dvMask = TOps.TailMask(p.Dv);
        var keyMask = TOps.TailMask(nk);
        var scale = TOps.Splat(p.Scale);
        bool alongKeys = biasLayout.StrideJ != 0;
        lse += (long)head * p.Nq;
        float* dq = g.Dq.Head(b, h);
        for (int i = 0; i < p.Nq; i++)
        {
            float* qi = q + (long)i * p.Q.StrideRow, dOi = dO + (long)i * g.GradOutput.StrideRow;
            var prob = FlashMath.Exp<TV, TOps>(TOps.Sub(Logits<TV, TOps>(p, b, h, i, qi, kt), TOps.Splat(lse[i])));
            var dOv = TOps.LoadMasked(dOi, dvMask);
            float rowD = TOps.SumLanes(TOps.Mul(dOv, TOps.LoadMasked(o + (long)i * g.Output.StrideRow, dvMask)));
            var dp = TOps.Zero;
            for (int c = 0; c < p.Dv; c++) dp = TOps.MulAdd(TOps.Splat(dOi[c]), TOps.Load(vt + c * w), dp);
            // dS = P * (dP - D), zero on the padding keys; the bias takes it unscaled, dq and dk scaled.
            var ds = TOps.Select(keyMask, TOps.Mul(prob, TOps.Sub(dp, TOps.Splat(rowD))), TOps.Zero);
            if (biasGrad != null)
            {
                float* row = biasGrad + (long)i * biasLayout.StrideI;
                if (alongKeys) TOps.StoreMasked(row, TOps.Add(TOps.LoadMasked(row, keyMask), ds), keyMask);
                else *row += TOps.SumLanes(ds);
            }
            TOps.Store(probs, prob);
            TOps.Store(grads, TOps.Mul(ds, scale));
            var qv = TOps.LoadMasked(qi, dMask);
            var dqi = TOps.Zero;
            for (int j = 0; j < nk; j++)
            {
                var sj = TOps.Splat(grads[j]);
                dqi = TOps.MulAdd(sj, TOps.LoadMasked(k + (long)j * p.K.StrideRow, dMask), dqi);
                TOps.Store(dkAcc + j * w, TOps.MulAdd(sj, qv, TOps.Load(dkAcc + j * w)));
                TOps.Store(dvAcc + j * w, TOps.MulAdd(TOps.Splat(probs[j]), dOv, TOps.Load(dvAcc + j * w)));
            }
            TOps.StoreMasked(dq + (long)i * g.Dq.StrideRow, dqi, dMask);
        }
        float* dk = g.Dk.Head(b, h), dv = g.Dv.Head(b, h);
        for (int j = 0; j < nk; j++)
        {
            TOps.StoreMasked(dk + (long)j * g.Dk.StrideRow, TOps.Load(dkAcc + j * w), dMask);
            TOps.StoreMasked(dv + (long)j * g.Dv.StrideRow, TOps.Load(dvAcc + j * w), dvMask);
        }
    }

    /// <summary>Row i's logits q_i K^T * scale + bias + mask in one vector, -inf on the lanes past the last key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Logits<TV, TOps>(in AttentionProblem p, int b, int h, int i, float* qi, float* kt) where TV : struct where TOps : IFlashVec<TV>
    {
        int w = TOps.Width;
        var s = TOps.Zero;
        for (int c = 0; c < p.D; c++) s = TOps.MulAdd(TOps.Splat(qi[c]), TOps.Load(kt + c * w), s);
        s = TOps.Mul(s, TOps.Splat(p.Scale));
        var keys = TOps.TailMask(p.Nk);
        s = AddTerm<TV, TOps>(s, p.Bias.Row(b, h, i), p.Bias.StrideJ, keys);
        s = AddTerm<TV, TOps>(s, p.Mask.Row(b, h, i), p.Mask.StrideJ, keys);
        return TOps.Select(keys, s, TOps.Splat(float.NegativeInfinity));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV AddTerm<TV, TOps>(TV s, float* row, int strideJ, TV keys) where TV : struct where TOps : IFlashVec<TV> =>
        row == null ? s : TOps.Add(s, strideJ == 0 ? TOps.Splat(*row) : TOps.LoadMasked(row, keys));
}
