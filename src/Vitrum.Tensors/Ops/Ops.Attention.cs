using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// softmax(q k^T * scale + bias + mask) v in one fused kernel (online softmax over key blocks,
    /// the log-sum-exp of each query row kept for the backward pass), so no [Nq, Nk] score matrix
    /// per head is ever stored. A query row whose keys are all masked gives zeros and no gradient.
    /// </summary>
    /// <param name="q">[B, H, Nq, d]</param>
    /// <param name="k">[B, H, Nk, d]</param>
    /// <param name="v">[B, H, Nk, dv]</param>
    /// <param name="mask">Boolean mask broadcastable to [B, H, Nq, Nk] (e.g. key padding [B, 1, 1, Nk],
    /// causal [Nq, Nk]): Int64 with nonzero = take part, or Float32 holding only 0 and 1 (1 = take part),
    /// PyTorch's boolean attn_mask meaning. Additive masks go in <paramref name="bias"/>.</param>
    /// <param name="bias">Float32 added to the scaled scores, broadcastable to [B, H, Nq, Nk] (a relative
    /// position bias [1, H, N, N], a shift mask [nW, 1, N, N]); may require grad.</param>
    /// <param name="scale">Multiplies q k^T; default 1 / sqrt(d).</param>
    /// <param name="isCausal">Query i attends keys j &lt;= i (top-left aligned, as PyTorch); combines with a mask.</param>
    /// <param name="dropoutP">Probability of dropping each attention probability (PyTorch's dropout_p), kept ones
    /// scaled by 1/(1-p): the mask is a hash of one draw from <paramref name="generator"/> and the score's index
    /// (<see cref="AttentionDropoutMask"/>), drawn again by the backward pass instead of being stored.</param>
    /// <param name="generator">Source of the dropout mask's key; required when <paramref name="dropoutP"/> &gt; 0.</param>
    /// <returns>[B, H, Nq, dv]</returns>
    public static unsafe Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null, Tensor? bias = null,
        double? scale = null, bool isCausal = false, float dropoutP = 0f, Generator? generator = null)
    {
        const string op = "ScaledDotProductAttention";
        CheckAttention(op, q, k, v, mask, bias);
        if (!(dropoutP >= 0f && dropoutP < 1f))
            throw new ArgumentException($"{op}: dropout probability must be in [0, 1), got {dropoutP} (query {ShapeUtil.Format(q.Shape)})");
        if (dropoutP > 0f && generator == null)
            throw new ArgumentException($"{op}: dropout probability {dropoutP} needs a generator (query {ShapeUtil.Format(q.Shape)})");
        float s = AttentionScale(q, scale);
        Tensor qc, kc, vc;
        Tensor? biasc = null, maskAdd = null;
        using (GradMode.NoGrad())
        {
            qc = FeatureRowsContiguous(q);
            kc = FeatureRowsContiguous(k);
            vc = FeatureRowsContiguous(v);
            if (bias != null) biasc = FeatureRowsContiguous(bias);
            if (mask != null) maskAdd = AttentionMaskToAdditive(op, mask);
        }
        var o = Tensor.Empty(new[] { q.Shape[0], q.Shape[1], q.Shape[2], v.Shape[3] });
        var lse = Tensor.Empty(new[] { q.Shape[0], q.Shape[1], q.Shape[2] });
        var problem = AttentionProblemOf(qc, kc, vc, biasc, maskAdd, s, isCausal);
        ulong dropKey = 0;
        if (dropoutP > 0f)
        {
            dropKey = generator!.NextUInt64();
            problem.Dropout = new DropoutMask(dropoutP, dropKey);
        }
        MacCounter.Add((long)q.Shape[0] * q.Shape[1] * q.Shape[2] * k.Shape[2] * (q.Shape[3] + v.Shape[3]));
        if (MacCounter.SkipArithmetic) o.Span.Clear();
        else FlashAttention.Forward(problem, AttentionOperand.Contiguous(o.Ptr, q.Shape[1], q.Shape[2], v.Shape[3]), lse.Ptr);
        var inputs = bias == null ? new[] { q, k, v } : new[] { q, k, v, bias };
        var node = Engine.Record(o, "scaled_dot_product_attention", GradRules.ScaledDotProductAttention, inputs);
        if (node != null)
        {
            node.Saved = new[] { qc, kc, vc, o, lse, biasc, maskAdd };
            node.Floats = new[] { s, dropoutP };
            node.Ints = new[] { isCausal ? 1 : 0, (int)(uint)dropKey, (int)(uint)(dropKey >> 32) };
        }
        else
        {
            // Nothing will read the statistics or the converted copies: hand their buffers back now.
            lse.Dispose();
            maskAdd?.Dispose();
            DisposeIfCopy(qc, q);
            DisposeIfCopy(kc, k);
            DisposeIfCopy(vc, v);
            if (biasc != null) DisposeIfCopy(biasc, bias!);
        }
        return o;
    }

    /// <summary>
    /// The same attention composed from ops (matmul, scale, bias add, the mask as an additive
    /// 0/-inf term, softmax, matmul), so autograd differentiates it step by step. Slower and
    /// O(Nq * Nk) in memory, but it returns the attention probabilities (attention maps) and is the
    /// reference the fused op is tested against. Fully-masked query rows get zero probabilities.
    /// Arguments as <see cref="ScaledDotProductAttention"/>.
    /// </summary>
    /// <param name="probabilities">[B, H, Nq, Nk] (or the broadcast of the mask's shape with it); part of the graph.</param>
    /// <returns>[B, H, Nq, dv]</returns>
    public static Tensor AttentionUnfused(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? bias, double? scale, bool isCausal,
        out Tensor probabilities)
    {
        const string op = "AttentionUnfused";
        CheckAttention(op, q, k, v, mask, bias);
        var scores = Mul(MatMul(q, k.T), AttentionScale(q, scale));
        if (bias != null) scores = Add(scores, bias);
        Tensor? keepRows = null;
        if (mask != null || isCausal)
        {
            Tensor additive;
            using (GradMode.NoGrad()) additive = AttentionMaskForUnfused(op, mask, isCausal, q.Shape[2], k.Shape[2], out keepRows);
            scores = Add(scores, additive);
        }
        probabilities = Softmax(scores, -1);
        if (keepRows != null) probabilities = Mul(probabilities, keepRows);
        return MatMul(probabilities, v);
    }

    /// <summary>
    /// The dropout mask <see cref="ScaledDotProductAttention"/> applies for <paramref name="key"/> (its draw from
    /// the generator), as a [B, H, Nq, Nk] tensor of 0 and 1/(1-p): composed with
    /// <see cref="AttentionUnfused"/>'s probabilities it reproduces the fused op with dropout.
    /// </summary>
    public static unsafe Tensor AttentionDropoutMask(int b, int h, int nq, int nk, float p, ulong key)
    {
        if (!(p > 0f && p < 1f)) throw new ArgumentException($"AttentionDropoutMask: probability must be in (0, 1), got {p}");
        var m = Tensor.Empty(new[] { b, h, nq, nk });
        var problem = new AttentionProblem { B = b, H = h, Nq = nq, Nk = nk };
        var drop = new DropoutMask(p, key);
        for (int head = 0; head < b * h; head++)
            for (int i = 0; i < nq; i++)
                drop.Fill(m.Ptr + ((long)head * nq + i) * nk, nk, problem.DropoutIndex(head, i, 0));
        return m;
    }

    private static float AttentionScale(Tensor q, double? scale) => (float)(scale ?? 1.0 / Math.Sqrt(q.Shape[3]));

    /// <summary>Checks dtypes, ranks and that q, k, v, mask and bias fit [B, H, Nq, d] x [B, H, Nk, d] x [B, H, Nk, dv].</summary>
    private static void CheckAttention(string op, Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? bias)
    {
        foreach (var (t, name) in new[] { (q, "query"), (k, "key"), (v, "value") })
        {
            if (t.DType != DType.Float32)
                throw new ArgumentException($"{op}: {name} must be Float32, got {t.DType} of shape {ShapeUtil.Format(t.Shape)}");
            if (t.Rank != 4)
                throw new ArgumentException($"{op}: {name} must be [B, H, N, d], got shape {ShapeUtil.Format(t.Shape)}");
        }
        string shapes = $"query {ShapeUtil.Format(q.Shape)}, key {ShapeUtil.Format(k.Shape)}, value {ShapeUtil.Format(v.Shape)}";
        if (k.Shape[0] != q.Shape[0] || k.Shape[1] != q.Shape[1] || k.Shape[3] != q.Shape[3])
            throw new ArgumentException($"{op}: key must match query in batch, heads and head dim: {shapes}");
        if (v.Shape[0] != q.Shape[0] || v.Shape[1] != q.Shape[1] || v.Shape[2] != k.Shape[2])
            throw new ArgumentException($"{op}: value must match key in batch, heads and key count: {shapes}");
        var scores = new[] { q.Shape[0], q.Shape[1], q.Shape[2], k.Shape[2] };
        if (mask != null)
        {
            if (mask.DType != DType.Int64 && mask.DType != DType.Float32)
                throw new ArgumentException($"{op}: mask must be Int64 or Float32 0/1, got {mask.DType} of shape {ShapeUtil.Format(mask.Shape)}");
            CheckBroadcastsToScores(op, "mask", mask, scores);
        }
        if (bias != null)
        {
            if (bias.DType != DType.Float32)
                throw new ArgumentException($"{op}: bias must be Float32, got {bias.DType} of shape {ShapeUtil.Format(bias.Shape)}");
            CheckBroadcastsToScores(op, "bias", bias, scores);
        }
    }

    private static void CheckBroadcastsToScores(string op, string name, Tensor t, int[] scores)
    {
        bool fits = t.Rank <= 4;
        for (int i = 0; fits && i < t.Rank; i++)
        {
            int target = scores[4 - t.Rank + i];
            fits = t.Shape[i] == target || t.Shape[i] == 1;
        }
        if (!fits)
            throw new ArgumentException($"{op}: {name} of shape {ShapeUtil.Format(t.Shape)} does not broadcast to the scores [B, H, Nq, Nk] = {ShapeUtil.Format(scores)}");
    }

    /// <summary>The tensor itself when its last dim is contiguous (the kernels read feature rows in place), else a copy.</summary>
    private static Tensor FeatureRowsContiguous(Tensor t) => t.Rank == 0 || t.Shape[^1] <= 1 || t.Strides[^1] == 1 ? t : t.Contiguous();

    private static void DisposeIfCopy(Tensor used, Tensor original)
    {
        if (!ReferenceEquals(used, original)) used.Dispose();
    }

    /// <summary>The kernel's view of the operands: head strides, row strides, additive terms broadcast to the scores.</summary>
    internal static unsafe AttentionProblem AttentionProblemOf(Tensor q, Tensor k, Tensor v, Tensor? bias, Tensor? maskAdditive,
        float scale, bool causal)
    {
        var scores = new[] { q.Shape[0], q.Shape[1], q.Shape[2], k.Shape[2] };
        return new AttentionProblem
        {
            B = q.Shape[0], H = q.Shape[1], Nq = q.Shape[2], Nk = k.Shape[2], D = q.Shape[3], Dv = v.Shape[3],
            Scale = scale,
            Causal = causal,
            Q = OperandOf(q),
            K = OperandOf(k),
            V = OperandOf(v),
            Bias = bias == null ? default : AdditiveOf(bias.Ptr, bias, scores),
            Mask = maskAdditive == null ? default : AdditiveOf(maskAdditive.Ptr, maskAdditive, scores),
        };
    }

    private static unsafe AttentionOperand OperandOf(Tensor t) =>
        new() { Ptr = t.Ptr, StrideB = t.Strides[0], StrideH = t.Strides[1], StrideRow = t.Strides[2] };

    /// <summary>Addressing of <paramref name="layout"/>'s elements at <paramref name="ptr"/>, broadcast to the scores.</summary>
    internal static unsafe AttentionAdditive AdditiveOf(float* ptr, Tensor layout, int[] scores)
    {
        var st = BroadcastStrides(layout, scores);
        // Along keys the kernels read a run (stride 1) or one value for the whole row (stride 0).
        int sj = layout.Rank > 0 && layout.Shape[^1] > 1 ? st[3] : 0;
        return new AttentionAdditive { Ptr = ptr, StrideB = st[0], StrideH = st[1], StrideI = st[2], StrideJ = sj };
    }
}
