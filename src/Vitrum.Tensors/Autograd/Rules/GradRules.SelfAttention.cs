using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>
    /// Packed self-attention backward: the fused kernel writes dq, dk (and dv) into one gradient of the packed
    /// projection, laid out as the projection is (and dv into the values' gradient when they came apart).
    /// Saved: packed input, values or null, output, lse, bias, window mask (all contiguous); Floats: scale,
    /// dropout p; Ints: heads, d, dv, the dropout key's low and high halves. Inputs: packed, [values], [bias].
    /// </summary>
    public static unsafe void SelfAttention(Node n, Tensor g)
    {
        var s = n.Saved;
        Tensor packed = s[0]!, o = s[2]!, lse = s[3]!;
        Tensor? values = s[1], bias = s[4], mask = s[5];
        int heads = n.Ints[0], d = n.Ints[1], dv = n.Ints[2];
        var problem = Ops.PackedProblem(packed, values, heads, d, dv, bias, mask, n.Floats[0]);
        if (n.Floats[1] > 0f) problem.Dropout = new DropoutMask(n.Floats[1], (uint)n.Ints[3] | (ulong)(uint)n.Ints[4] << 32);
        var go = g.Contiguous();
        int tokens = problem.Nq, width = packed.Shape[2], outWidth = heads * dv;
        var dPacked = Tensor.Empty(packed.Shape);
        var dValues = values == null ? null : Tensor.Empty(values.Shape);
        int biasInput = values == null ? 1 : 2;
        bool biasGrad = bias != null && n.NeedsGrad(biasInput);
        var db = biasGrad ? Tensor.Empty(bias!.Shape) : null;
        var dbLayout = db == null ? default : Ops.AdditiveOf(db.Ptr, db, new[] { problem.B, heads, tokens, tokens });
        var grads = new AttentionGradients
        {
            Output = Ops.TokenMajor(o.Ptr, 0, tokens, outWidth, dv),
            GradOutput = Ops.TokenMajor(go.Ptr, 0, tokens, outWidth, dv),
            Dq = Ops.TokenMajor(dPacked.Ptr, 0, tokens, width, d),
            Dk = Ops.TokenMajor(dPacked.Ptr, heads * d, tokens, width, d),
            Dv = dValues == null ? Ops.TokenMajor(dPacked.Ptr, 2 * heads * d, tokens, width, d) : Ops.TokenMajor(dValues.Ptr, 0, tokens, outWidth, dv),
        };
        FlashAttention.Backward(problem, grads, lse.Ptr, db == null ? null : db.Ptr, dbLayout, db?.Numel ?? 0);
        n.Pass(0, dPacked);
        if (dValues != null) n.Pass(1, dValues);
        if (db != null) n.Pass(biasInput, db);
    }
}
