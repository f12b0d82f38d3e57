using System.Runtime.CompilerServices;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The backward pass (FlashAttention-2): per head, K^T and V^T are packed once; then for each query
/// block D = rowsum(dO * O), and for each key block the probabilities are recomputed from the saved
/// log-sum-exp, P = exp(S * scale + bias + mask - lse), dP = dO V^T, dS = P * (dP - D),
/// dV += P^T dO (with dropout mask M drawn again: dP = (dO V^T) * M and dV += (P * M)^T dO; D is unchanged,
/// as sum_j P M dO V^T = dO . O), dK += scale dS^T Q, dQ += scale dS K, and the bias gets dS summed over the dims
/// it is broadcast along. A task owns whole heads, so dQ, dK and dV need no synchronization. A bias
/// shared by several heads or batch items is summed over them in a fixed split (see
/// <see cref="PlanSharedBias"/>), so its gradient is the same bits whichever thread runs which task.
/// </summary>
internal sealed unsafe class FlashBackwardJob : FlashJob<FlashBackwardJob>
{
    /// <summary>Tasks wanted per thread when heads share a bias, as many as <see cref="FlashSchedule"/> aims for, so the caller can finish a descheduled worker's share.</summary>
    private const int SharedBiasTasksPerThread = 16;

    /// <summary>
    /// Floats (4 MB) the slots of a shared bias may take: every group of heads past the first costs a
    /// bias-sized slot, so a large bias is cut into fewer groups, but never fewer than the threads.
    /// </summary>
    private const long SlotBudgetFloats = 1 << 20;

    private AttentionProblem _p;
    private AttentionGradients _g;
    private float* _lse, _biasGrad;
    private AttentionAdditive _biasLayout;
    private int _biasLength;
    private bool _biasSlots;
    private FlashSchedule _schedule;
    // The shared-bias split: bias slices (keys), the heads adding into each, the groups they are cut into.
    private bool _reduceB, _reduceH;
    private int _keyHeads, _reduction, _groups;
    // Partial bias gradients of groups 1.. (group 0 writes the gradient itself).
    private readonly List<float[]> _slots = new();

    public void Run(in AttentionProblem p, in AttentionGradients g, float* lse, float* biasGrad, in AttentionAdditive biasLayout, int biasLength)
    {
        _p = p;
        _g = g;
        _lse = lse;
        _biasGrad = biasGrad;
        _biasLayout = biasLayout;
        _biasLength = biasLength;
        Level = Simd.Level;
        _biasSlots = biasGrad != null && ((biasLayout.StrideB == 0 && p.B > 1) || (biasLayout.StrideH == 0 && p.H > 1));
        if (biasGrad != null) new Span<float>(biasGrad, biasLength).Clear();
        try
        {
            int threads = WorkerPool.AvailableThreads, tasks;
            if (_biasSlots) tasks = PlanSharedBias(threads);
            else
            {
                _schedule = new FlashSchedule(p.Heads, 1, threads, splitHeads: false);
                tasks = _schedule.Tasks;
            }
            WorkerPool.For(tasks, this);
            // In group order: one fixed sequence of float additions per bias element.
            foreach (var slot in _slots)
                FlashRows.AddInto<float, FlashVecScalar>(biasGrad, FlashAttention.Pin(slot), biasLength);
        }
        finally
        {
            foreach (var slot in _slots) BufferPool.Return(slot);
            _slots.Clear();
            _g = default;
            _lse = _biasGrad = null;
        }
    }

    /// <summary>
    /// Splits the heads for a bias shared over batch items or heads: heads adding into the same bias
    /// slice (a key: one (b, h) of the bias's own, unbroadcast dims) are cut into <c>_groups</c> contiguous
    /// runs, a task is one run of one key, group 0 adds into the gradient and group g into slot g, and the
    /// slots are added in order at the end. Within a task heads run in order, so every element sums the
    /// same terms in the same order, whichever thread runs the task. Returns the task count.
    /// </summary>
    private int PlanSharedBias(int threads)
    {
        ref readonly var p = ref _p;
        _reduceB = _biasLayout.StrideB == 0;
        _reduceH = _biasLayout.StrideH == 0;
        _keyHeads = _reduceH ? 1 : p.H;
        int keys = (_reduceB ? 1 : p.B) * _keyHeads;
        _reduction = p.Heads / keys;
        int wanted = (SharedBiasTasksPerThread * threads + keys - 1) / keys;
        int affordable = (int)Math.Max(threads, Math.Min(int.MaxValue, SlotBudgetFloats / Math.Max(1, _biasLength)));
        _groups = Math.Clamp(Math.Min(wanted, affordable), 1, _reduction);
        for (int g = 1; g < _groups; g++)
        {
            var slot = BufferPool.RentFloat(_biasLength);
            new Span<float>(slot, 0, _biasLength).Clear();
            _slots.Add(slot);
        }
        return keys * _groups;
    }

    /// <summary>Query rows per backward block: twice the forward's, so dK and dV are read and written back half as often (P and dS blocks stay in L2).</summary>
    private const int QueryRows = 96;

    /// <summary>Floats of one task's scratch: packed K^T and V^T, blocks of P and dS, the row dots D.</summary>
    public static int ScratchLength(in AttentionProblem p) =>
        (p.D + p.Dv) * p.KeysPadded + 2 * QueryRows * ScoreStride(p) + QueryRows;

    private static int ScoreStride(in AttentionProblem p) => Math.Min(FlashAttention.KeyBlock, p.KeysPadded);

    /// <summary>One head or a group of heads (<see cref="FlashSchedule"/>, or a run of one key's heads for a shared bias), sharing one scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Task<TV, TOps>(int index)
    {
        var scratch = BufferPool.RentFloat(ScratchLength(_p));
        if (_biasSlots)
        {
            int key = index / _groups, g = index % _groups;
            int r0 = (int)((long)_reduction * g / _groups), r1 = (int)((long)_reduction * (g + 1) / _groups);
            float* bias = g == 0 ? _biasGrad : FlashAttention.Pin(_slots[g - 1]);
            // Key (kb, kh) and run index r name the head: the dims the bias is shared over come from r.
            int kb = key / _keyHeads, kh = key % _keyHeads, rh = _reduceH ? _p.H : 1;
            for (int r = r0; r < r1; r++)
                Head<TV, TOps>((_reduceB ? r / rh : kb) * _p.H + (_reduceH ? r % rh : kh), FlashAttention.Pin(scratch), bias);
        }
        else
        {
            _schedule.Task(index, out int firstHead, out int endHead, out _);
            for (int head = firstHead; head < endHead; head++) Head<TV, TOps>(head, FlashAttention.Pin(scratch), _biasGrad);
        }
        BufferPool.Return(scratch);
    }

    /// <summary>One head: all its query and key blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Head<TV, TOps>(int head, float* kt, float* biasBase) where TV : struct where TOps : IFlashVec<TV>
    {
        const int bqMax = QueryRows, bk = FlashAttention.KeyBlock;
        ref readonly var p = ref _p;
        int b = head / p.H, h = head % p.H;
        if (FlashAttentionSmall.Fits<TV, TOps>(p))
        {
            float* headBias = biasBase == null ? null : biasBase + (long)b * _biasLayout.StrideB + (long)h * _biasLayout.StrideH;
            FlashAttentionSmall.Backward<TV, TOps>(p, head, _g, _lse, headBias, _biasLayout, kt);
            return;
        }
        int d = p.D, dv = p.Dv, ldk = p.KeysPadded, lds = ScoreStride(p);
        float* q = p.Q.Head(b, h), k = p.K.Head(b, h);
        int rsQ = p.Q.StrideRow, rsK = p.K.StrideRow;
        float* o = _g.Output.Head(b, h), dO = _g.GradOutput.Head(b, h);
        int ldo = _g.Output.StrideRow, ldO = _g.GradOutput.StrideRow;
        float* lse = _lse + (long)head * p.Nq;
        float* dq = _g.Dq.Head(b, h), dk = _g.Dk.Head(b, h), dvH = _g.Dv.Head(b, h);
        int ldq = _g.Dq.StrideRow, ldk2 = _g.Dk.StrideRow, ldv = _g.Dv.StrideRow;
        // The first product into each gradient writes it instead of adding: dQ's at key block 0 (every query
        // row takes part), dK's and dV's at query block 0 unless causality hides keys from the early blocks.
        bool keysFromFirstBlock = !p.Causal && p.Nq > 0;
        if (p.Nk == 0) ClearRows(dq, p.Nq, ldq, d);
        if (!keysFromFirstBlock)
        {
            ClearRows(dk, p.Nk, ldk2, d);
            ClearRows(dvH, p.Nk, ldv, dv);
        }

        float* vt = kt + (long)d * ldk;
        float* prob = vt + (long)dv * ldk, ds = prob + bqMax * lds, rowD = ds + bqMax * lds;
        FlashTiles.PackTransposed(k, p.Nk, rsK, d, kt, ldk);
        FlashTiles.PackTransposed(p.V.Head(b, h), p.Nk, p.V.StrideRow, dv, vt, ldk);
        float* biasGrad = biasBase == null ? null : biasBase + (long)b * _biasLayout.StrideB + (long)h * _biasLayout.StrideH;

        for (int i0 = 0; i0 < p.Nq; i0 += bqMax)
        {
            int bq = Math.Min(bqMax, p.Nq - i0);
            float* qi = q + (long)i0 * rsQ, dOi = dO + (long)i0 * ldO;
            for (int r = 0; r < bq; r++)
                rowD[r] = FlashRows.Dot<TV, TOps>(dOi + (long)r * ldO, o + (long)(i0 + r) * ldo, dv);
            int keys = p.KeysVisibleTo(i0 + bq - 1);
            for (int j0 = 0; j0 < keys; j0 += bk)
            {
                int nk = Math.Min(bk, keys - j0);
                int nkVec = (nk + TOps.Width - 1) / TOps.Width * TOps.Width;
                FlashTiles.Product<TV, TOps>(bq, nkVec, d, qi, rsQ, 1, kt + j0, ldk, prob, lds, false);
                FlashTiles.Product<TV, TOps>(bq, nkVec, dv, dOi, ldO, 1, vt + j0, ldk, ds, lds, false);
                for (int r = 0; r < bq; r++)
                {
                    int i = i0 + r;
                    float* pr = prob + r * lds, dsr = ds + r * lds;
                    float* bias = p.Bias.Row(b, h, i), mask = p.Mask.Row(b, h, i);
                    FlashRows.Probabilities<TV, TOps>(pr, nk, p.KeysVisibleTo(i) - j0, p.Scale,
                        bias == null ? null : bias + (long)j0 * p.Bias.StrideJ, p.Bias.StrideJ,
                        mask == null ? null : mask + (long)j0 * p.Mask.StrideJ, p.Mask.StrideJ, lse[i]);
                    // dS, scaled for the dK and dQ products; the bias takes it unscaled, along keys or summed over them.
                    float* biasRow = biasGrad == null ? null : biasGrad + (long)i * _biasLayout.StrideI;
                    bool alongKeys = biasRow != null && _biasLayout.StrideJ != 0;
                    // With dropout the output is (P * M) V: dP = (dO V^T) * M, and dV takes (P * M)^T dO.
                    if (p.Dropout.Active) p.Dropout.Apply(dsr, nk, p.DropoutIndex(head, i, j0));
                    float total = FlashRows.SoftmaxGrad<TV, TOps>(pr, dsr, nk, rowD[r], p.Scale, alongKeys ? biasRow + j0 : null);
                    if (biasRow != null && !alongKeys) *biasRow += total;
                    if (p.Dropout.Active) p.Dropout.Apply(pr, nk, p.DropoutIndex(head, i, j0));
                }
                bool addKeys = i0 > 0 || !keysFromFirstBlock;
                FlashTiles.Product<TV, TOps>(nk, dv, bq, prob, 1, lds, dOi, ldO, dvH + (long)j0 * ldv, ldv, addKeys);
                FlashTiles.Product<TV, TOps>(nk, d, bq, ds, 1, lds, qi, rsQ, dk + (long)j0 * ldk2, ldk2, addKeys);
                FlashTiles.Product<TV, TOps>(bq, d, nk, ds, lds, 1, k + (long)j0 * rsK, rsK, dq + (long)i0 * ldq, ldq, j0 > 0);
            }
        }
    }

    private static void ClearRows(float* x, int rows, int stride, int width)
    {
        for (int r = 0; r < rows; r++) new Span<float>(x + (long)r * stride, width).Clear();
    }
}
