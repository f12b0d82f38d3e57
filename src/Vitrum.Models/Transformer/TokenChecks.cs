// Input checks of the Transformer (Vaswani et al., 2017) model.
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>Checks of token-id tensors fed to a <see cref="TransformerModel"/>, with messages naming the tensor, its shape and the expectation.</summary>
internal static class TokenChecks
{
    /// <summary>Requires [N, L] int64 with N, L &gt;= 1, L &lt;= <paramref name="maxLen"/> and every id in [0, vocab).</summary>
    public static void Check(string name, Tensor t, int vocab, int maxLen)
    {
        string shape = ShapeUtil.Format(t.Shape);
        if (t.DType != DType.Int64)
            throw new ArgumentException($"TransformerModel: {name} is {t.DType} {shape}; expected int64 token ids [N, L]");
        if (t.Rank != 2)
            throw new ArgumentException($"TransformerModel: {name} {shape} is not 2-D; expected token ids [N, L]");
        if (t.Numel == 0)
            throw new ArgumentException($"TransformerModel: {name} {shape} is empty; expected at least one sequence of at least one token");
        if (t.Shape[1] > maxLen)
            throw new ArgumentException($"TransformerModel: {name} {shape} has sequences of {t.Shape[1]} tokens, longer than max_len {maxLen}");
        var ids = t.Contiguous().AsLongSpan();
        for (int i = 0; i < ids.Length; i++)
            if ((ulong)ids[i] >= (ulong)vocab)
                throw new ArgumentException($"TransformerModel: {name} {shape} holds token id {ids[i]} at [{i / t.Shape[1]}, {i % t.Shape[1]}], outside the vocabulary [0, {vocab})");
    }
}
