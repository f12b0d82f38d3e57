using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>
    /// Fused attention backward (FlashAttention-2): probabilities recomputed block by block from the
    /// saved log-sum-exp; dq, dk, dv and, when the bias needs one, its gradient (dS summed over the
    /// dims the bias is broadcast along) come out of one kernel pass.
    /// Saved: q, k, v (feature rows contiguous), output, lse, bias, additive mask; Floats: scale, dropout p;
    /// Ints: causal, the dropout key's low and high halves (the mask is drawn again from it).
    /// </summary>
    public static unsafe void ScaledDotProductAttention(Node n, Tensor g)
    {
        var s = n.Saved;
        Tensor q = s[0]!, k = s[1]!, v = s[2]!, o = s[3]!, lse = s[4]!;
        Tensor? bias = s[5], mask = s[6];
        var problem = Ops.AttentionProblemOf(q, k, v, bias, mask, n.Floats[0], n.Ints[0] != 0);
        if (n.Floats[1] > 0f) problem.Dropout = new DropoutMask(n.Floats[1], (uint)n.Ints[1] | (ulong)(uint)n.Ints[2] << 32);
        var go = g.Contiguous();
        var dq = Tensor.Empty(q.Shape);
        var dk = Tensor.Empty(k.Shape);
        var dv = Tensor.Empty(v.Shape);
        bool biasGrad = bias != null && n.NeedsGrad(3);
        var db = biasGrad ? Tensor.Empty(bias!.Shape) : null;
        var dbLayout = db == null ? default : Ops.AdditiveOf(db.Ptr, db, new[] { problem.B, problem.H, problem.Nq, problem.Nk });
        int h = problem.H, nq = problem.Nq, nk = problem.Nk;
        var grads = new AttentionGradients
        {
            Output = AttentionOperand.Contiguous(o.Ptr, h, nq, problem.Dv),
            GradOutput = AttentionOperand.Contiguous(go.Ptr, h, nq, problem.Dv),
            Dq = AttentionOperand.Contiguous(dq.Ptr, h, nq, problem.D),
            Dk = AttentionOperand.Contiguous(dk.Ptr, h, nk, problem.D),
            Dv = AttentionOperand.Contiguous(dv.Ptr, h, nk, problem.Dv),
        };
        FlashAttention.Backward(problem, grads, lse.Ptr, db == null ? null : db.Ptr, dbLayout, db?.Numel ?? 0);
        n.Pass(0, dq);
        n.Pass(1, dk);
        n.Pass(2, dv);
        if (db != null) n.Pass(3, db);
    }
}
