// Swin Transformer (Liu et al., 2021): window multi-head self-attention with a relative position bias, keys as
// timm's swin_transformer.WindowAttention.
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Swin;

/// <summary>
/// Self-attention inside each w x w window, the scores biased by a learned table indexed by the relative
/// offset of query and key: keys <c>qkv</c>, <c>proj</c>, <c>relative_position_bias_table</c> [(2w-1)^2, heads];
/// <c>relative_position_index</c> [w*w, w*w] is a buffer left out of the state dict (timm: non-persistent).
/// All windows of the batch run as one fused self-attention of [B*nW, w*w, C], the shift mask indexed per window.
/// </summary>
public sealed class WindowAttention : Attention
{
    public int Window { get; }
    public Tensor RelativePositionBiasTable { get; }
    public Tensor RelativePositionIndex { get; }

    public WindowAttention(int dim, int numHeads, int window, bool qkvBias, float projDrop, float attnDrop, Generator gen)
        : base(dim, numHeads, qkvBias, projDrop, gen, attnDrop)
    {
        Window = window;
        RelativePositionBiasTable = RegisterParameter("relative_position_bias_table",
            Init.TruncNormal(NewTensor((2 * window - 1) * (2 * window - 1), numHeads), gen, 0, 0.02));
        // Outside any caller's scope: the buffer lives as long as the module.
        using (TensorScope.Suppress())
            RelativePositionIndex = RegisterBuffer("relative_position_index", SwinWindows.RelativePositionIndex(window), persistent: false);
    }

    /// <summary>The bias each head adds to its scores: table[index], [1, heads, w*w, w*w] (differentiable in the table).</summary>
    public Tensor RelativePositionBias()
    {
        int n = Window * Window;
        return Ops.Embedding(RelativePositionBiasTable, RelativePositionIndex.Reshape(n * n))
            .Reshape(n, n, NumHeads).Permute(2, 0, 1).Unsqueeze(0).Contiguous();
    }

    /// <param name="input">windows [B*nW, w*w, C] without a shift mask</param>
    public override Tensor Forward(Tensor input) => ForwardWindows(input, null);

    /// <param name="windows">[B*nW, w*w, C], image-major (all windows of image 0 first)</param>
    /// <param name="shiftMask">[nW, w*w, w*w] of 0 / <see cref="SwinWindows.MaskedScore"/>, or null</param>
    /// <returns>[B*nW, w*w, C]</returns>
    public Tensor ForwardWindows(Tensor windows, Tensor? shiftMask)
    {
        int n = Window * Window;
        if (windows.Rank != 3 || windows.Shape[1] != n)
            throw new ArgumentException($"WindowAttention: input {ShapeUtil.Format(windows.Shape)} is not [windows, {n}, C] for window {Window}");
        if (shiftMask != null && windows.Shape[0] % shiftMask.Shape[0] != 0)
            throw new ArgumentException($"WindowAttention: {windows.Shape[0]} windows are not a multiple of the mask's {shiftMask.Shape[0]} windows per image");
        // The kernel takes the mask of window b % nW for window b, so neither the mask nor the bias is copied per image.
        return Forward(windows, RelativePositionBias(), shiftMask);
    }

    /// <summary>The attention probabilities of each window and head (the unfused path), for attention maps.</summary>
    /// <param name="windows">[B*nW, w*w, C], image-major</param>
    /// <param name="shiftMask">[nW, w*w, w*w], or null</param>
    /// <returns>[B*nW, heads, w*w, w*w]</returns>
    public Tensor WindowProbabilities(Tensor windows, Tensor? shiftMask)
    {
        if (shiftMask == null) return Probabilities(windows, RelativePositionBias());
        int nW = shiftMask.Shape[0];
        if (windows.Shape[0] % nW != 0)
            throw new ArgumentException($"WindowAttention: {windows.Shape[0]} windows are not a multiple of the mask's {nW} windows per image");
        var bias = Ops.Add(RelativePositionBias(), shiftMask.Unsqueeze(1));               // [nW, heads, N, N]
        // The mask repeats every nW windows: one image at a time.
        return Ops.Cat(Enumerable.Range(0, windows.Shape[0] / nW).Select(i => Probabilities(windows.Narrow(0, i * nW, nW), bias)).ToArray(), 0);
    }
}
