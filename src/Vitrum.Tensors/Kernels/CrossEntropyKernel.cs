using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Fused log-softmax + negative log-likelihood over rows of a contiguous [rows, classes] matrix, with
/// optional class weights, label smoothing and either class-index or probability targets. Forward keeps
/// each row's max and log of the shifted exp-sum, so backward rebuilds softmax without storing it.
/// Logits are used shifted by the row max, as in log_softmax, so large logits keep their precision.
/// Work is split by rows.
/// </summary>
internal sealed unsafe class CrossEntropyKernel : IParallelJob
{
    private const int ParallelThreshold = 1 << 15;
    [ThreadStatic] private static CrossEntropyKernel? _cached;

    // Inputs: logits, then class-index targets or probability targets, optional class weights.
    private float* _x, _soft, _w;
    private long* _targets;
    private long _ignore;
    private int _rows, _classes, _pieces;
    private float _smoothing, _weightTotal;
    private bool _backward;
    // Forward outputs: per-row loss, (max, log sum exp(x - max)) pairs and the row's share of the mean's denominator.
    private float* _loss, _stats, _denom;
    // Backward: per-row scale of the loss gradient (or one scale for all rows), gradients out.
    private float* _rowScale, _dx, _dsoft;
    private float _scale;

    /// <summary>The first element of a contiguous Int64 target tensor (pooled storage is pinned).</summary>
    public static long* TargetsPointer(Tensor t) =>
        (long*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t.LongData)) + t.Offset;

    /// <summary>The arguments shared by forward and backward.</summary>
    public static CrossEntropyKernel Setup(float* x, long* targets, float* soft, float* w, int rows, int classes, long ignoreIndex, float smoothing)
    {
        var k = _cached ??= new CrossEntropyKernel();
        k._x = x; k._targets = targets; k._soft = soft; k._w = w;
        k._rows = rows; k._classes = classes; k._ignore = ignoreIndex; k._smoothing = smoothing;
        k._weightTotal = w == null ? classes : TensorPrimitives.Sum(new ReadOnlySpan<float>(w, classes));
        k._pieces = (long)rows * classes < ParallelThreshold || WorkerPool.ThreadCount == 1 ? 1 : Math.Min(rows, 4 * WorkerPool.ThreadCount);
        return k;
    }

    /// <summary>Writes per row the loss, the (max, log-sum) pair and the denominator weight (w[target], 0 when ignored; 1 for soft targets).</summary>
    public void Forward(float* loss, float* stats, float* denom)
    {
        _backward = false;
        _loss = loss; _stats = stats; _denom = denom;
        WorkerPool.For(_pieces, this);
    }

    /// <summary>dx (and, for soft targets, dsoft if not null) for loss gradients rowScale[r], or scale for every row when rowScale is null.</summary>
    public void Backward(float* stats, float* rowScale, float scale, float* dx, float* dsoft)
    {
        _backward = true;
        _stats = stats; _rowScale = rowScale; _scale = scale; _dx = dx; _dsoft = dsoft;
        WorkerPool.For(_pieces, this);
    }

    public void Execute(int piece)
    {
        int r0 = (int)((long)_rows * piece / _pieces), r1 = (int)((long)_rows * (piece + 1) / _pieces);
        for (int r = r0; r < r1; r++)
        {
            if (_backward) BackwardRow(r);
            else ForwardRow(r);
        }
    }

    private void ForwardRow(int r)
    {
        int c = _classes;
        float* x = _x + (long)r * c;
        var row = new ReadOnlySpan<float>(x, c);
        float max = TensorPrimitives.Max(row);
        float logSum = MathF.Log(RowSums.Sum<PolyExpOp>(x, null, max, c));
        _stats[2 * r] = max;
        _stats[2 * r + 1] = logSum;
        float eps = _smoothing;
        // -log_softmax(x)_c = logSum - (x_c - max). The smoothing term is sum_c w_c (logSum - (x_c - max)),
        // the cross entropy against the uniform distribution.
        float uniform = eps == 0 ? 0 : _weightTotal * logSum - RowSums.Sum<IdentityOp>(x, _w, max, c);
        if (_soft != null)
        {
            float* q = _soft + (long)r * c;
            float sumWq = 0, sumWqx = 0;
            for (int j = 0; j < c; j++)
            {
                float wq = _w == null ? q[j] : _w[j] * q[j];
                sumWq += wq;
                sumWqx += wq * (x[j] - max);
            }
            _loss[r] = (1 - eps) * (sumWq * logSum - sumWqx) + eps / c * uniform;
            _denom[r] = 1;
            return;
        }
        long t = _targets[r];
        if (t == _ignore)
        {
            _loss[r] = 0;
            _denom[r] = 0;
            return;
        }
        float wt = _w == null ? 1 : _w[t];
        _loss[r] = (1 - eps) * wt * (logSum - (x[t] - max)) + eps / c * uniform;
        _denom[r] = wt;
    }

    /// <summary>
    /// With p = softmax(row) and s the row's loss gradient: class-index targets give
    /// s [((1-eps) w_t + eps/C W) p_c - (1-eps) w_t [c = t] - eps/C w_c]; probability targets q give
    /// s [(sum_k w_k q'_k) p_c - w_c q'_c] with q' = (1-eps) q + eps/C, and d/dq_c = -s (1-eps) w_c log_softmax(x)_c.
    /// </summary>
    private void BackwardRow(int r)
    {
        int c = _classes;
        long off = (long)r * c;
        float* x = _x + off, dx = _dx + off;
        float s = _rowScale == null ? _scale : _rowScale[r];
        float eps = _smoothing, max = _stats[2 * r], logSum = _stats[2 * r + 1];
        if (_soft != null)
        {
            float* q = _soft + off;
            float sumWq = 0;
            for (int j = 0; j < c; j++) sumWq += (_w == null ? 1 : _w[j]) * ((1 - eps) * q[j] + eps / c);
            for (int j = 0; j < c; j++)
            {
                float wj = _w == null ? 1 : _w[j];
                dx[j] = s * (sumWq * VectorMath.Exp(x[j] - max - logSum) - wj * ((1 - eps) * q[j] + eps / c));
            }
            if (_dsoft != null)
                for (int j = 0; j < c; j++) _dsoft[off + j] = s * (1 - eps) * (_w == null ? 1 : _w[j]) * (logSum - (x[j] - max));
            return;
        }
        long t = _targets[r];
        if (t == _ignore)
        {
            new Span<float>(dx, c).Clear();
            return;
        }
        float wt = _w == null ? 1 : _w[t];
        ScaledSoftmaxMinus(x, max, logSum, s * ((1 - eps) * wt + eps / c * _weightTotal), _w, s * eps / c, dx, c);
        dx[t] -= s * (1 - eps) * wt;
    }

    /// <summary>d_j = alpha softmax(x)_j - beta w_j (w_j = 1 when w is null), with softmax(x)_j = exp(x_j - max - logSum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaledSoftmaxMinus(float* x, float max, float logSum, float alpha, float* w, float beta, float* d, int n)
    {
        int i = 0;
        if (Simd.Level == SimdLevel.Avx512)
        {
            Vector512<float> vm = Vector512.Create(max), vl = Vector512.Create(logSum), va = Vector512.Create(alpha), vb = Vector512.Create(beta);
            for (; i <= n - 16; i += 16)
            {
                var sub = w == null ? vb : vb * Vector512.Load(w + i);
                (va * VectorMath.Exp(Vector512.Load(x + i) - vm - vl) - sub).Store(d + i);
            }
        }
        else if (Simd.Level == SimdLevel.Avx2)
        {
            Vector256<float> vm = Vector256.Create(max), vl = Vector256.Create(logSum), va = Vector256.Create(alpha), vb = Vector256.Create(beta);
            for (; i <= n - 8; i += 8)
            {
                var sub = w == null ? vb : vb * Vector256.Load(w + i);
                (va * VectorMath.Exp(Vector256.Load(x + i) - vm - vl) - sub).Store(d + i);
            }
        }
        for (; i < n; i++) d[i] = alpha * VectorMath.Exp(x[i] - max - logSum) - beta * (w == null ? 1 : w[i]);
    }
}
