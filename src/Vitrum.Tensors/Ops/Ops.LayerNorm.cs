using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Layer normalization over the last dims (torch.nn.functional.layer_norm): each slice of shape
    /// <paramref name="normalizedShape"/> is shifted to mean 0 and scaled to variance 1 (biased
    /// variance, eps added inside the square root), then multiplied by <paramref name="weight"/> and
    /// shifted by <paramref name="bias"/> (both optional, of shape <paramref name="normalizedShape"/>).
    /// One fused kernel each way; the per-row mean and 1/std are kept for backward.
    /// </summary>
    /// <param name="x">[..., *normalizedShape]</param>
    public static unsafe Tensor LayerNorm(Tensor x, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        RequireFloat("LayerNorm", x);
        int k = normalizedShape.Length;
        if (k == 0 || k > x.Rank || !ShapeUtil.SameShape(x.Shape.AsSpan(x.Rank - k), normalizedShape))
            throw new ArgumentException($"LayerNorm: normalized shape {ShapeUtil.Format(normalizedShape)} does not match the last dims of input {ShapeUtil.Format(x.Shape)}");
        CheckAffine("weight", weight, normalizedShape);
        CheckAffine("bias", bias, normalizedShape);
        int n = (int)ShapeUtil.Numel(normalizedShape);
        int m = n == 0 ? 0 : x.Numel / n;
        var inputs = new List<Tensor> { x };
        Tensor xc, y = Tensor.Empty(x.Shape), mean = Tensor.Empty(new[] { m }), rstd = Tensor.Empty(new[] { m });
        Tensor? wc = null, bc = null;
        using (GradMode.NoGrad())
        {
            xc = x.Contiguous();
            if (weight != null) { wc = weight.Contiguous(); inputs.Add(weight); }
            if (bias != null) { bc = bias.Contiguous(); inputs.Add(bias); }
            if (m > 0)
                LayerNormKernel.Forward(xc.Ptr, wc == null ? null : wc.Ptr, bc == null ? null : bc.Ptr, y.Ptr, mean.Ptr, rstd.Ptr, m, n, eps);
        }
        var node = Engine.Record(y, "LayerNorm", GradRules.LayerNorm, inputs.ToArray());
        if (node != null)
        {
            node.Saved = new Tensor?[] { xc, wc, mean, rstd };
            node.Ints = new[] { m, n, weight != null ? 1 : 0, bias != null ? 1 : 0 };
        }
        return y;
    }

    private static void CheckAffine(string what, Tensor? t, int[] normalizedShape)
    {
        if (t == null) return;
        RequireFloat("LayerNorm", t);
        if (!ShapeUtil.SameShape(t.Shape, normalizedShape))
            throw new ArgumentException($"LayerNorm: {what} of shape {ShapeUtil.Format(t.Shape)} does not match normalized shape {ShapeUtil.Format(normalizedShape)}");
    }
}
