using System.Runtime.CompilerServices;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The forward pass. A task runs one or more heads, or a chunk of one head's query blocks (see
/// <see cref="FlashSchedule"/>), in one parallel phase: it packs K^T of its head (the score product
/// wants keys as contiguous columns) into its own scratch, then each query block runs the online
/// softmax over the key blocks: S = Q K^T, logits = S * scale + bias + mask, running max m and sum
/// l, O += P V after rescaling O by exp(m_old - m_new) (with dropout, P times the mask in the product
/// only); finally O /= l and lse = m + log(l).
/// </summary>
internal sealed unsafe class FlashForwardJob : FlashJob<FlashForwardJob>
{
    private AttentionProblem _p;
    private AttentionOperand _output;
    private float* _lse;
    private int _queryBlocks, _blockRows;
    private FlashSchedule _schedule;

    public void Run(in AttentionProblem p, in AttentionOperand output, float* lse)
    {
        _p = p;
        _output = output;
        _lse = lse;
        Level = Simd.Level;
        _blockRows = BlockRows(p);
        _queryBlocks = (p.Nq + _blockRows - 1) / _blockRows;
        _schedule = new FlashSchedule(p.Heads, _queryBlocks, WorkerPool.AvailableThreads, splitHeads: true);
        try
        {
            WorkerPool.For(_schedule.Tasks, this);
        }
        finally
        {
            _output = default;
            _lse = null;
        }
    }

    /// <summary>
    /// Query rows per block: <see cref="FlashAttention.QueryBlock"/>, or every row of a small head in one block
    /// (Swin's 49-token windows would otherwise run a second block for one row, with all of a block's fixed costs).
    /// </summary>
    private static int BlockRows(in AttentionProblem p) => p.Nq <= FlashAttention.SmallHeadRows ? Math.Max(1, p.Nq) : FlashAttention.QueryBlock;

    /// <summary>Floats of one task's scratch: packed K^T, one block of scores, running max and sum.</summary>
    public static int ScratchLength(in AttentionProblem p) =>
        p.D * p.KeysPadded + BlockRows(p) * ScoreStride(p) + 2 * BlockRows(p);

    /// <summary>Row stride of the score block: the keys of one key block, padded to whole vectors.</summary>
    private static int ScoreStride(in AttentionProblem p) => Math.Min(FlashAttention.KeyBlock, p.KeysPadded);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Task<TV, TOps>(int index)
    {
        ref readonly var p = ref _p;
        _schedule.Task(index, out int firstHead, out int endHead, out int firstBlock);
        int endBlock = Math.Min(_queryBlocks, firstBlock + _schedule.BlocksPerTask);
        var scratch = BufferPool.RentFloat(ScratchLength(p));
        float* kt = FlashAttention.Pin(scratch), s = kt + (long)p.D * p.KeysPadded;
        bool small = FlashAttentionSmall.Fits<TV, TOps>(p);
        for (int head = firstHead; head < endHead; head++)
        {
            if (small)
            {
                FlashAttentionSmall.Forward<TV, TOps>(p, head, _output, _lse, kt);
                continue;
            }
            int b = head / p.H, h = head % p.H;
            FlashTiles.PackTransposed(p.K.Head(b, h), p.Nk, p.K.StrideRow, p.D, kt, p.KeysPadded);
            for (int block = firstBlock; block < endBlock; block++)
                QueryBlock<TV, TOps>(head, block * _blockRows, kt, s);
        }
        BufferPool.Return(scratch);
    }

    /// <summary>Rows [i0, i0 + QueryBlock) of one head, with its K^T packed at <paramref name="kt"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void QueryBlock<TV, TOps>(int head, int i0, float* kt, float* s) where TV : struct where TOps : IFlashVec<TV>
    {
        const int bk = FlashAttention.KeyBlock;
        ref readonly var p = ref _p;
        int b = head / p.H, h = head % p.H;
        int bq = Math.Min(_blockRows, p.Nq - i0);
        int dv = p.Dv, ldk = p.KeysPadded, lds = ScoreStride(p);
        float* q = p.Q.Head(b, h) + (long)i0 * p.Q.StrideRow;
        float* v = p.V.Head(b, h);
        // The output rows are the accumulator: written by the first key block (every row sees key 0 or, with no
        // visible key yet, adds a zero row of P), rescaled as the running max grows, divided by l at the end.
        int ldo = _output.StrideRow;
        float* o = _output.Head(b, h) + (long)i0 * ldo;
        float* lse = _lse + (long)head * p.Nq + i0;
        float* rowMax = s + _blockRows * lds, rowSum = rowMax + _blockRows;
        new Span<float>(rowMax, bq).Fill(float.NegativeInfinity);
        new Span<float>(rowSum, bq).Clear();
        // Without bias and mask the logits are only S * scale: the max pass reads S and the exp pass scales it.
        bool plain = p.Bias.Ptr == null && p.Mask.Ptr == null && p.Scale > 0;
        float expScale = plain ? p.Scale : 1f;
        int keys = p.KeysVisibleTo(i0 + bq - 1);
        if (keys == 0)
            for (int r = 0; r < bq; r++) new Span<float>(o + (long)r * ldo, dv).Clear();
        for (int j0 = 0; j0 < keys; j0 += bk)
        {
            int nk = Math.Min(bk, keys - j0);
            int nkVec = (nk + TOps.Width - 1) / TOps.Width * TOps.Width;
            FlashTiles.Product<TV, TOps>(bq, nkVec, p.D, q, p.Q.StrideRow, 1, kt + j0, ldk, s, lds, false);
            for (int r = 0; r < bq; r++)
            {
                int i = i0 + r;
                float* row = s + r * lds;
                float* bias = p.Bias.Row(b, h, i), mask = p.Mask.Row(b, h, i);
                float blockMax = plain
                    ? FlashRows.ScaledMax<TV, TOps>(row, nk, p.KeysVisibleTo(i) - j0, p.Scale)
                    : FlashRows.Logits<TV, TOps>(row, nk, p.KeysVisibleTo(i) - j0, p.Scale,
                        bias == null ? null : bias + (long)j0 * p.Bias.StrideJ, p.Bias.StrideJ,
                        mask == null ? null : mask + (long)j0 * p.Mask.StrideJ, p.Mask.StrideJ);
                float oldMax = rowMax[r], newMax = MathF.Max(oldMax, blockMax);
                if (float.IsNegativeInfinity(newMax))
                {
                    // No visible key so far: the row contributes nothing yet.
                    new Span<float>(row, nk).Clear();
                    continue;
                }
                rowMax[r] = newMax;
                float blockSum = FlashRows.Exp<TV, TOps>(row, nk, expScale, newMax);
                // The sum normalizes over every key; only the product with V sees the dropped probabilities.
                if (p.Dropout.Active) p.Dropout.Apply(row, nk, p.DropoutIndex(head, i, j0));
                if (float.IsNegativeInfinity(oldMax))
                {
                    // The first key block this row sees: its sum and output are still zero.
                    rowSum[r] = blockSum;
                    continue;
                }
                float alpha = MathF.Exp(oldMax - newMax);
                rowSum[r] = rowSum[r] * alpha + blockSum;
                if (alpha != 1f) FlashRows.Scale<TV, TOps>(o + (long)r * ldo, dv, alpha);
            }
            FlashTiles.Product<TV, TOps>(bq, dv, nk, s, lds, 1, v + (long)j0 * p.V.StrideRow, p.V.StrideRow, o, ldo, j0 > 0);
        }
        for (int r = 0; r < bq; r++)
        {
            // A row that saw no key keeps its zero output; lse = +inf makes every recomputed probability 0.
            if (rowSum[r] == 0f) { lse[r] = float.PositiveInfinity; continue; }
            FlashRows.Scale<TV, TOps>(o + (long)r * ldo, dv, 1f / rowSum[r]);
            lse[r] = rowMax[r] + MathF.Log(rowSum[r]);
        }
    }
}
