using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.matmul: 1-D operands are promoted (and the added dim removed after), leading batch
    /// dims broadcast. Transposed or otherwise strided operands are consumed in place by the GEMM
    /// packing, never copied.
    /// </summary>
    public static unsafe Tensor MatMul(Tensor a, Tensor b)
    {
        RequireFloat("MatMul", a);
        RequireFloat("MatMul", b);
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"MatMul: both operands need at least 1 dim, got {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)}");
        Tensor a2, b2;
        using (GradMode.NoGrad())
        {
            a2 = a.Rank == 1 ? a.Unsqueeze(0) : a;
            b2 = b.Rank == 1 ? b.Unsqueeze(-1) : b;
        }
        int m = a2.Shape[^2], k = a2.Shape[^1], k2 = b2.Shape[^2], n = b2.Shape[^1];
        if (k != k2)
            throw new ArgumentException($"MatMul: inner dims differ: {ShapeUtil.Format(a.Shape)} @ {ShapeUtil.Format(b.Shape)} ({k} vs {k2})");
        var batchA = a2.Shape[..^2];
        var batchB = b2.Shape[..^2];
        var batch = ShapeUtil.Broadcast("MatMul", batchA, batchB);
        var outShape = batch.Concat(new[] { m, n }).ToArray();
        var o = Tensor.Empty(outShape);
        int count = (int)ShapeUtil.Numel(batch);
        MacCounter.Add((long)count * m * n * k);
        var sa = BatchStrides(a2, batch);
        var sb = BatchStrides(b2, batch);
        int rsA = a2.Strides[^2], csA = a2.Strides[^1], rsB = b2.Strides[^2], csB = b2.Strides[^1];
        float* pa = a2.Ptr, pb = b2.Ptr, po = o.Ptr;
        if (MacCounter.SkipArithmetic) o.Span.Clear();
        else if (count > 0 && m > 0 && n > 0)
        {
            if (k == 0) o.Span.Clear();
            else if (b2.Rank == 2 && RowsCollapse(a2, out int rowStride))
                // [..., m, k] @ [k, n] (a linear layer): the batch folds into one GEMM of count*m rows,
                // far faster than count small GEMMs.
                Gemm.Sgemm(count * m, n, k, pa, rowStride, csA, pb, rsB, csB, po, n, false);
            else if (UniformBatchStride(sa, batch, out long bsA) && UniformBatchStride(sb, batch, out long bsB))
                Gemm.SgemmBatched(count, m, n, k, pa, bsA, rsA, csA, pb, bsB, rsB, csB, po, (long)m * n, n, false);
            else
            {
                Span<int> idx = stackalloc int[batch.Length];
                for (int i = 0; i < count; i++)
                {
                    long offA = 0, offB = 0;
                    for (int d = 0; d < batch.Length; d++) { offA += (long)idx[d] * sa[d]; offB += (long)idx[d] * sb[d]; }
                    Gemm.Sgemm(m, n, k, pa + offA, rsA, csA, pb + offB, rsB, csB, po + (long)i * m * n, n, false);
                    for (int d = batch.Length - 1; d >= 0; d--) { if (++idx[d] < batch[d]) break; idx[d] = 0; }
                }
            }
        }
        Tensor res = o;
        if (a.Rank == 1 || b.Rank == 1)
        {
            var rs = new List<int>(batch);
            if (a.Rank != 1) rs.Add(m);
            if (b.Rank != 1) rs.Add(n);
            using (GradMode.NoGrad()) res = o.Reshape(rs.ToArray());
        }
        Engine.Record(res, "matmul", GradRules.MatMul, a, b);
        return res;
    }

    /// <summary>
    /// True when all dims but the last walk one uniform row stride (so [..., m, k] is a [prod, k] matrix).
    /// Dims of size 1 take no part, whatever their stride: [B, 1, k] (one decoding step of B sequences) is the
    /// B x k matrix whose row stride is the batch dim's.
    /// </summary>
    private static bool RowsCollapse(Tensor t, out int rowStride)
    {
        rowStride = t.Strides[^1] == 1 ? t.Shape[^1] : t.Strides[^2];
        long expected = -1;
        for (int d = t.Rank - 2; d >= 0; d--)
        {
            if (t.Shape[d] == 1) continue;
            if (t.Strides[d] == 0) return false;            // broadcast rows: leave them to the batched path
            if (expected < 0) rowStride = t.Strides[d];
            else if (t.Strides[d] != expected) return false;
            expected = (long)rowStride * RowsFrom(t, d);
        }
        return true;
    }

    /// <summary>Rows spanned by dims d .. Rank-2 (their shapes' product).</summary>
    private static long RowsFrom(Tensor t, int d)
    {
        long n = 1;
        for (int i = d; i <= t.Rank - 2; i++) n *= t.Shape[i];
        return n;
    }

    /// <summary>Batch strides of an operand aligned to the broadcast batch shape (0 where it broadcasts).</summary>
    private static int[] BatchStrides(Tensor t, int[] batch)
    {
        var strides = new int[batch.Length];
        int lead = batch.Length - (t.Rank - 2);
        for (int d = 0; d < batch.Length; d++)
            strides[d] = d < lead || t.Shape[d - lead] == 1 ? 0 : t.Strides[d - lead];
        return strides;
    }

    /// <summary>True when walking the batch in row-major order advances the operand by one fixed stride.</summary>
    private static bool UniformBatchStride(int[] strides, int[] batch, out long stride)
    {
        stride = 0;
        int last = -1;
        for (int d = batch.Length - 1; d >= 0; d--)
        {
            if (batch[d] == 1) continue;
            if (last < 0) { stride = strides[d]; last = d; continue; }
            long expect = stride;
            for (int e = d + 1; e <= last; e++) expect *= batch[e];
            if (strides[d] != expect) return false;
        }
        return true;
    }
}
