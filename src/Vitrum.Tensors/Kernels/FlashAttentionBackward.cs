using System.Runtime.CompilerServices;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The backward pass (FlashAttention-2): per head, K^T and V^T are packed once; then for each query
/// block D = rowsum(dO * O), and for each key block the probabilities are recomputed from the saved
/// log-sum-exp, P = exp(S * scale + bias + mask - lse), dP = dO V^T, dS = P * (dP - D),
/// dV += P^T dO, dK += scale dS^T Q, dQ += scale dS K, and the bias gets dS summed over the dims
/// it is broadcast along. A task owns whole heads, so dQ, dK and dV need no synchronization; a bias
/// shared by several heads or batch items is accumulated in per-thread slots summed at the end.
/// </summary>
internal sealed unsafe class FlashBackwardJob : FlashJob<FlashBackwardJob>
{
    private AttentionProblem _p;
    private float* _output, _lse, _gradOutput, _dq, _dk, _dv, _biasGrad;
    private AttentionAdditive _biasLayout;
    private int _biasLength;
    private bool _biasSlots;
    private FlashSchedule _schedule;
    private readonly List<float[]> _slots = new();
    private readonly Stack<int> _freeSlots = new();

    public void Run(in AttentionProblem p, float* output, float* lse, float* gradOutput,
        float* dq, float* dk, float* dv, float* biasGrad, in AttentionAdditive biasLayout, int biasLength)
    {
        _p = p;
        _output = output;
        _lse = lse;
        _gradOutput = gradOutput;
        _dq = dq;
        _dk = dk;
        _dv = dv;
        _biasGrad = biasGrad;
        _biasLayout = biasLayout;
        _biasLength = biasLength;
        Level = Simd.Level;
        _biasSlots = biasGrad != null && ((biasLayout.StrideB == 0 && p.B > 1) || (biasLayout.StrideH == 0 && p.H > 1));
        if (biasGrad != null) new Span<float>(biasGrad, biasLength).Clear();
        try
        {
            _schedule = new FlashSchedule(p.Heads, 1, WorkerPool.AvailableThreads, splitHeads: false);
            WorkerPool.For(_schedule.Tasks, this);
            if (_biasSlots)
                foreach (var slot in _slots)
                    FlashRows.AddInto<float, FlashVecScalar>(biasGrad, FlashAttention.Pin(slot), biasLength);
        }
        finally
        {
            foreach (var slot in _slots) BufferPool.Return(slot);
            _slots.Clear();
            _freeSlots.Clear();
            _output = _lse = _gradOutput = _dq = _dk = _dv = _biasGrad = null;
        }
    }

    /// <summary>Query rows per backward block: twice the forward's, so dK and dV are read and written back half as often (P and dS blocks stay in L2).</summary>
    private const int QueryRows = 96;

    /// <summary>Floats of one task's scratch: packed K^T and V^T, blocks of P and dS, the row dots D.</summary>
    public static int ScratchLength(in AttentionProblem p) =>
        (p.D + p.Dv) * p.KeysPadded + 2 * QueryRows * ScoreStride(p) + QueryRows;

    private static int ScoreStride(in AttentionProblem p) => Math.Min(FlashAttention.KeyBlock, p.KeysPadded);

    /// <summary>One head or a group of heads (<see cref="FlashSchedule"/>), sharing one scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Task<TV, TOps>(int index)
    {
        _schedule.Task(index, out int firstHead, out int endHead, out _);
        var scratch = BufferPool.RentFloat(ScratchLength(_p));
        for (int head = firstHead; head < endHead; head++) Head<TV, TOps>(head, FlashAttention.Pin(scratch));
        BufferPool.Return(scratch);
    }

    /// <summary>One head: all its query and key blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Head<TV, TOps>(int head, float* kt) where TV : struct where TOps : IFlashVec<TV>
    {
        const int bqMax = QueryRows, bk = FlashAttention.KeyBlock;
        ref readonly var p = ref _p;
        int b = head / p.H, h = head % p.H;
        int d = p.D, dv = p.Dv, ldk = p.KeysPadded, lds = ScoreStride(p);
        float* q = p.Q.Head(b, h), k = p.K.Head(b, h);
        int rsQ = p.Q.StrideRow, rsK = p.K.StrideRow;
        float* o = _output + (long)head * p.Nq * dv, dO = _gradOutput + (long)head * p.Nq * dv;
        float* lse = _lse + (long)head * p.Nq;
        float* dq = _dq + (long)head * p.Nq * d, dk = _dk + (long)head * p.Nk * d, dvH = _dv + (long)head * p.Nk * dv;
        // The first product into each gradient writes it instead of adding: dQ's at key block 0 (every query
        // row takes part), dK's and dV's at query block 0 unless causality hides keys from the early blocks.
        bool keysFromFirstBlock = !p.Causal && p.Nq > 0;
        if (p.Nk == 0) new Span<float>(dq, p.Nq * d).Clear();
        if (!keysFromFirstBlock)
        {
            new Span<float>(dk, p.Nk * d).Clear();
            new Span<float>(dvH, p.Nk * dv).Clear();
        }

        float* vt = kt + (long)d * ldk;
        float* prob = vt + (long)dv * ldk, ds = prob + bqMax * lds, rowD = ds + bqMax * lds;
        FlashTiles.PackTransposed(k, p.Nk, rsK, d, kt, ldk);
        FlashTiles.PackTransposed(p.V.Head(b, h), p.Nk, p.V.StrideRow, dv, vt, ldk);
        int slot = -1;
        float* biasGrad = null;
        if (_biasGrad != null)
        {
            biasGrad = _biasSlots ? AcquireSlot(out slot) : _biasGrad;
            biasGrad += (long)b * _biasLayout.StrideB + (long)h * _biasLayout.StrideH;
        }

        for (int i0 = 0; i0 < p.Nq; i0 += bqMax)
        {
            int bq = Math.Min(bqMax, p.Nq - i0);
            float* qi = q + (long)i0 * rsQ, dOi = dO + (long)i0 * dv;
            for (int r = 0; r < bq; r++)
                rowD[r] = FlashRows.Dot<TV, TOps>(dOi + (long)r * dv, o + (long)(i0 + r) * dv, dv);
            int keys = p.KeysVisibleTo(i0 + bq - 1);
            for (int j0 = 0; j0 < keys; j0 += bk)
            {
                int nk = Math.Min(bk, keys - j0);
                int nkVec = (nk + TOps.Width - 1) / TOps.Width * TOps.Width;
                FlashTiles.Product<TV, TOps>(bq, nkVec, d, qi, rsQ, 1, kt + j0, ldk, prob, lds, false);
                FlashTiles.Product<TV, TOps>(bq, nkVec, dv, dOi, dv, 1, vt + j0, ldk, ds, lds, false);
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
                    float total = FlashRows.SoftmaxGrad<TV, TOps>(pr, dsr, nk, rowD[r], p.Scale, alongKeys ? biasRow + j0 : null);
                    if (biasRow != null && !alongKeys) *biasRow += total;
                }
                bool addKeys = i0 > 0 || !keysFromFirstBlock;
                FlashTiles.Product<TV, TOps>(nk, dv, bq, prob, 1, lds, dOi, dv, dvH + (long)j0 * dv, dv, addKeys);
                FlashTiles.Product<TV, TOps>(nk, d, bq, ds, 1, lds, qi, rsQ, dk + (long)j0 * d, d, addKeys);
                FlashTiles.Product<TV, TOps>(bq, d, nk, ds, lds, 1, k + (long)j0 * rsK, rsK, dq + (long)i0 * d, d, j0 > 0);
            }
        }
        if (slot >= 0) ReleaseSlot(slot);
    }

    /// <summary>A zeroed bias-gradient buffer no other running task holds; at most one per thread is ever created.</summary>
    private float* AcquireSlot(out int slot)
    {
        lock (_freeSlots)
        {
            if (_freeSlots.Count > 0)
            {
                slot = _freeSlots.Pop();
                return FlashAttention.Pin(_slots[slot]);
            }
            var a = BufferPool.RentFloat(_biasLength);
            new Span<float>(a, 0, _biasLength).Clear();
            _slots.Add(a);
            slot = _slots.Count - 1;
            return FlashAttention.Pin(a);
        }
    }

    private void ReleaseSlot(int slot)
    {
        lock (_freeSlots) _freeSlots.Push(slot);
    }
}
