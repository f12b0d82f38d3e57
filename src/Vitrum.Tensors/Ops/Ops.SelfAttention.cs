using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Multi-head self-attention straight on a fused projection's output, as timm's and PyTorch's layers
    /// make it: <paramref name="qkv"/> [B, N, 3 * H * d] holds each token's queries, keys and values, head
    /// after head. The fused kernel reads every head where it lies and writes the output with the heads
    /// merged, [B, N, H * d], ready for the output projection; its backward writes the gradient of the
    /// packed projection in one piece. Splitting into [B, H, N, d] views and merging the heads again (the
    /// composition with <see cref="ScaledDotProductAttention"/>) gives the same numbers but costs a copy of
    /// the output and three zero-filled projection-sized gradients, which dominate many small heads.
    /// </summary>
    /// <param name="qkv">[B, N, 3 * H * d]</param>
    /// <param name="heads">H</param>
    /// <param name="bias">Float32 added to the scaled scores, broadcastable to [B, H, N, N] (Swin's relative
    /// position bias [1, H, N, N]); may require grad.</param>
    /// <param name="windowMask">Float32 additive term [nW, N, N] that batch item b takes at index b % nW (Swin's
    /// shift mask: windows of one image after another); never differentiated.</param>
    /// <param name="dropoutP">As <see cref="ScaledDotProductAttention"/>'s.</param>
    /// <param name="generator">As <see cref="ScaledDotProductAttention"/>'s.</param>
    /// <returns>[B, N, H * d]</returns>
    public static Tensor SelfAttention(Tensor qkv, int heads, Tensor? bias = null, Tensor? windowMask = null,
        float dropoutP = 0f, Generator? generator = null) =>
        PackedSelfAttention("SelfAttention", qkv, null, heads, bias, windowMask, dropoutP, generator);

    /// <summary>
    /// <see cref="SelfAttention(Tensor, int, Tensor?, Tensor?, float, Generator?)"/> with queries and keys
    /// from one projection and values from another (timm's TNT): <paramref name="qk"/> [B, N, 2 * H * d],
    /// <paramref name="v"/> [B, N, H * dv]; returns [B, N, H * dv].
    /// </summary>
    public static Tensor SelfAttention(Tensor qk, Tensor v, int heads, Tensor? bias = null, Tensor? windowMask = null,
        float dropoutP = 0f, Generator? generator = null) =>
        PackedSelfAttention("SelfAttention", qk, v, heads, bias, windowMask, dropoutP, generator);

    private static unsafe Tensor PackedSelfAttention(string op, Tensor packed, Tensor? values, int heads, Tensor? bias, Tensor? windowMask,
        float dropoutP, Generator? generator)
    {
        var (d, dv) = CheckPacked(op, packed, values, heads, bias, windowMask);
        if (!(dropoutP >= 0f && dropoutP < 1f))
            throw new ArgumentException($"{op}: dropout probability must be in [0, 1), got {dropoutP} (input {ShapeUtil.Format(packed.Shape)})");
        if (dropoutP > 0f && generator == null)
            throw new ArgumentException($"{op}: dropout probability {dropoutP} needs a generator (input {ShapeUtil.Format(packed.Shape)})");
        int b = packed.Shape[0], n = packed.Shape[1];
        Tensor pc;
        Tensor? vc = null, biasc = null, maskc = null;
        using (GradMode.NoGrad())
        {
            pc = packed.Contiguous();
            vc = values?.Contiguous();
            if (bias != null) biasc = FeatureRowsContiguous(bias);
            maskc = windowMask?.Contiguous();
        }
        float scale = (float)(1.0 / Math.Sqrt(d));
        var problem = PackedProblem(pc, vc, heads, d, dv, biasc, maskc, scale);
        ulong dropKey = 0;
        if (dropoutP > 0f)
        {
            dropKey = generator!.NextUInt64();
            problem.Dropout = new DropoutMask(dropoutP, dropKey);
        }
        var o = Tensor.Empty(new[] { b, n, heads * dv });
        var lse = Tensor.Empty(new[] { b, heads, n });
        MacCounter.Add((long)b * heads * n * n * (d + dv));
        if (MacCounter.SkipArithmetic) o.Span.Clear();
        else FlashAttention.Forward(problem, TokenMajor(o.Ptr, 0, n, heads * dv, dv), lse.Ptr);
        var inputs = new List<Tensor> { packed };
        if (values != null) inputs.Add(values);
        if (bias != null) inputs.Add(bias);
        var node = Engine.Record(o, "self_attention", GradRules.SelfAttention, inputs.ToArray());
        if (node != null)
        {
            node.Saved = new[] { pc, vc, o, lse, biasc, maskc };
            node.Floats = new[] { scale, dropoutP };
            node.Ints = new[] { heads, d, dv, (int)(uint)dropKey, (int)(uint)(dropKey >> 32) };
        }
        else
        {
            lse.Dispose();
            DisposeIfCopy(pc, packed);
            if (vc != null) DisposeIfCopy(vc, values!);
            if (biasc != null) DisposeIfCopy(biasc, bias!);
            if (maskc != null) DisposeIfCopy(maskc, windowMask!);
        }
        return o;
    }

    /// <summary>Checks shapes and dtypes; returns the head dims of queries/keys and of values.</summary>
    private static (int D, int Dv) CheckPacked(string op, Tensor packed, Tensor? values, int heads, Tensor? bias, Tensor? windowMask)
    {
        int parts = values == null ? 3 : 2;
        string what = values == null ? "qkv" : "qk";
        if (packed.DType != DType.Float32 || packed.Rank != 3)
            throw new ArgumentException($"{op}: {what} must be Float32 [B, N, {parts} * H * d], got {packed.DType} of shape {ShapeUtil.Format(packed.Shape)}");
        if (heads <= 0 || packed.Shape[2] % (parts * heads) != 0 || packed.Shape[2] == 0)
            throw new ArgumentException($"{op}: {what} of shape {ShapeUtil.Format(packed.Shape)} does not split into {parts} x {heads} heads");
        int d = packed.Shape[2] / (parts * heads), dv = d;
        int b = packed.Shape[0], n = packed.Shape[1];
        if (values != null)
        {
            if (values.DType != DType.Float32 || values.Rank != 3 || values.Shape[0] != b || values.Shape[1] != n || values.Shape[2] % heads != 0 || values.Shape[2] == 0)
                throw new ArgumentException($"{op}: values must be Float32 [{b}, {n}, H * dv] for {heads} heads, got {values.DType} of shape {ShapeUtil.Format(values.Shape)}");
            dv = values.Shape[2] / heads;
        }
        var scores = new[] { b, heads, n, n };
        if (bias != null)
        {
            if (bias.DType != DType.Float32)
                throw new ArgumentException($"{op}: bias must be Float32, got {bias.DType} of shape {ShapeUtil.Format(bias.Shape)}");
            CheckBroadcastsToScores(op, "bias", bias, scores);
        }
        if (windowMask != null && (windowMask.DType != DType.Float32 || windowMask.Rank != 3 || windowMask.Shape[1] != n || windowMask.Shape[2] != n
                                   || windowMask.Shape[0] == 0 || b % windowMask.Shape[0] != 0))
            throw new ArgumentException(
                $"{op}: window mask must be Float32 [nW, {n}, {n}] with the batch {b} a multiple of nW, got {windowMask.DType} of shape {ShapeUtil.Format(windowMask.Shape)}");
        return (d, dv);
    }

    /// <summary>Head columns [offset + h * headWidth, ...) of a contiguous [B, N, width] tensor at <paramref name="ptr"/>, seen as [B, H, N, headWidth].</summary>
    internal static unsafe AttentionOperand TokenMajor(float* ptr, int offset, int n, int width, int headWidth) =>
        new() { Ptr = ptr + offset, StrideB = n * width, StrideH = headWidth, StrideRow = width };

    /// <summary>The kernel's view of a packed self-attention: q, k (and v) read from the packed rows, v from its own tensor when given.</summary>
    internal static unsafe AttentionProblem PackedProblem(Tensor packed, Tensor? values, int heads, int d, int dv, Tensor? bias, Tensor? windowMask, float scale)
    {
        int b = packed.Shape[0], n = packed.Shape[1], width = packed.Shape[2];
        var scores = new[] { b, heads, n, n };
        return new AttentionProblem
        {
            B = b, H = heads, Nq = n, Nk = n, D = d, Dv = dv,
            Scale = scale,
            Q = TokenMajor(packed.Ptr, 0, n, width, d),
            K = TokenMajor(packed.Ptr, heads * d, n, width, d),
            V = values == null ? TokenMajor(packed.Ptr, 2 * heads * d, n, width, d) : TokenMajor(values.Ptr, 0, n, values.Shape[2], dv),
            Bias = bias == null ? default : AdditiveOf(bias.Ptr, bias, scores),
            Mask = windowMask == null
                ? default
                : new AttentionAdditive { Ptr = windowMask.Ptr, StrideB = n * n, StrideI = n, StrideJ = 1, Period = windowMask.Shape[0] },
        };
    }
}
