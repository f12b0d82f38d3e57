using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The forward pass, in two parallel phases: K^T of every head is packed once (the score product
/// wants keys as contiguous columns), then each (head, query block) runs the online softmax over
/// the key blocks: S = Q K^T, logits = S * scale + bias + mask, running max m and sum l, O += P V
/// after rescaling O by exp(m_old - m_new); finally O /= l and lse = m + log(l).
/// </summary>
internal sealed unsafe class FlashForwardJob : FlashJob<FlashForwardJob>
{
    private AttentionProblem _p;
    private float* _output, _lse, _keysT;
    private int _queryBlocks;
    private bool _packing;

    public void Run(in AttentionProblem p, float* output, float* lse)
    {
        _p = p;
        _output = output;
        _lse = lse;
        Level = Simd.Level;
        _queryBlocks = (p.Nq + FlashAttention.QueryBlock - 1) / FlashAttention.QueryBlock;
        var keysT = BufferPool.RentFloat(Math.Max(1, p.Heads * p.D * p.KeysPadded));
        try
        {
            _keysT = FlashAttention.Pin(keysT);
            _packing = true;
            WorkerPool.For(p.Heads, this);
            _packing = false;
            WorkerPool.For(p.Heads * _queryBlocks, this);
        }
        finally
        {
            BufferPool.Return(keysT);
            _keysT = _output = _lse = null;
        }
    }

    public override void Execute(int index)
    {
        if (!_packing)
        {
            base.Execute(index);
            return;
        }
        int b = index / _p.H, h = index % _p.H;
        FlashTiles.PackTransposed(_p.K.Head(b, h), _p.Nk, _p.K.StrideRow, _p.D, _keysT + (long)index * _p.D * _p.KeysPadded, _p.KeysPadded);
    }

    /// <summary>One (head, query block).</summary>
    protected override void Task<TV, TOps>(int index)
    {
        const int bqMax = FlashAttention.QueryBlock, bk = FlashAttention.KeyBlock;
        ref readonly var p = ref _p;
        int head = index / _queryBlocks, b = head / p.H, h = head % p.H;
        int i0 = index % _queryBlocks * bqMax, bq = Math.Min(bqMax, p.Nq - i0);
        int dv = p.Dv, ldk = p.KeysPadded;
        float* q = p.Q.Head(b, h) + (long)i0 * p.Q.StrideRow;
        float* v = p.V.Head(b, h);
        float* kt = _keysT + (long)head * p.D * ldk;
        // The output rows are the accumulator: zeroed, rescaled as the running max grows, divided by l at the end.
        float* o = _output + ((long)head * p.Nq + i0) * dv;
        float* lse = _lse + (long)head * p.Nq + i0;
        var scratch = BufferPool.RentFloat(bqMax * bk + 2 * bqMax);
        float* s = FlashAttention.Pin(scratch), rowMax = s + bqMax * bk, rowSum = rowMax + bqMax;
        new Span<float>(o, bq * dv).Clear();
        new Span<float>(rowMax, bq).Fill(float.NegativeInfinity);
        new Span<float>(rowSum, bq).Clear();
        int keys = p.KeysVisibleTo(i0 + bq - 1);
        for (int j0 = 0; j0 < keys; j0 += bk)
        {
            int nk = Math.Min(bk, keys - j0);
            int nkVec = (nk + TOps.Width - 1) / TOps.Width * TOps.Width;
            FlashTiles.Product<TV, TOps>(bq, nkVec, p.D, q, p.Q.StrideRow, 1, kt + j0, ldk, s, bk, false);
            for (int r = 0; r < bq; r++)
            {
                int i = i0 + r;
                float* row = s + r * bk;
                float* bias = p.Bias.Row(b, h, i), mask = p.Mask.Row(b, h, i);
                float blockMax = FlashRows.Logits<TV, TOps>(row, nk, p.KeysVisibleTo(i) - j0, p.Scale,
                    bias == null ? null : bias + (long)j0 * p.Bias.StrideJ, p.Bias.StrideJ,
                    mask == null ? null : mask + (long)j0 * p.Mask.StrideJ, p.Mask.StrideJ);
                float newMax = MathF.Max(rowMax[r], blockMax);
                if (float.IsNegativeInfinity(newMax))
                {
                    // No visible key so far: the row contributes nothing yet.
                    new Span<float>(row, nk).Clear();
                    continue;
                }
                float alpha = MathF.Exp(rowMax[r] - newMax);
                rowSum[r] = rowSum[r] * alpha + FlashRows.Exp<TV, TOps>(row, nk, newMax);
                rowMax[r] = newMax;
                if (alpha != 1f) FlashRows.Scale<TV, TOps>(o + (long)r * dv, dv, alpha);
            }
            FlashTiles.Product<TV, TOps>(bq, dv, nk, s, bk, 1, v + (long)j0 * p.V.StrideRow, p.V.StrideRow, o, dv, true);
        }
        for (int r = 0; r < bq; r++)
        {
            // A row that saw no key keeps its zero output; lse = +inf makes every recomputed probability 0.
            if (rowSum[r] == 0f) { lse[r] = float.PositiveInfinity; continue; }
            FlashRows.Scale<TV, TOps>(o + (long)r * dv, dv, 1f / rowSum[r]);
            lse[r] = rowMax[r] + MathF.Log(rowSum[r]);
        }
        BufferPool.Return(scratch);
    }
}
