using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// A linear layer for inference, fused: residual + act(x W^T + b) with W pre-packed (<see cref="PackedWeight"/>), the
    /// bias, the GELU and the residual add applied to each block of the output while the GEMM has it in cache instead of
    /// in three more passes over the activations. Equals <see cref="Linear"/>, then <see cref="Gelu"/>, then
    /// <see cref="Add(Tensor, Tensor)"/>(residual, y) to float rounding (the same depth slices; the products of any depth agree to the
    /// bit with the unfused op whenever it takes the packed drivers, as at ViT's shapes). Records no gradient: with
    /// gradients on, an input that requires one is an error.
    /// </summary>
    /// <param name="x">[..., in]</param>
    /// <param name="weight">W [out, in] packed at the current <see cref="Simd.Level"/></param>
    /// <param name="bias">[out] or null</param>
    /// <param name="gelu">exact GELU after the bias</param>
    /// <param name="residual">[..., out] (x's leading dims) or null</param>
    /// <returns>[..., out]</returns>
    public static unsafe Tensor LinearPacked(Tensor x, PackedWeight weight, Tensor? bias = null, bool gelu = false, Tensor? residual = null)
    {
        RequireFloat("LinearPacked", x);
        int outF = weight.Out, inF = weight.In;
        if (x.Rank == 0 || x.Shape[^1] != inF)
            throw new ArgumentException($"LinearPacked: input {ShapeUtil.Format(x.Shape)} does not fit [..., {inF}] (packed weight [{outF}, {inF}])");
        if (!weight.Usable)
            throw new ArgumentException($"LinearPacked: weight [{outF}, {inF}] was packed for {weight.Level}, the kernels run at {Simd.Level}");
        var outShape = (int[])x.Shape.Clone();
        outShape[^1] = outF;
        if (bias != null)
        {
            RequireFloat("LinearPacked", bias);
            if (bias.Rank != 1 || bias.Shape[0] != outF)
                throw new ArgumentException($"LinearPacked: bias {ShapeUtil.Format(bias.Shape)} for packed weight [{outF}, {inF}], expected [{outF}]");
        }
        if (residual != null)
        {
            RequireFloat("LinearPacked", residual);
            if (!ShapeUtil.SameShape(residual.Shape, outShape))
                throw new ArgumentException($"LinearPacked: residual {ShapeUtil.Format(residual.Shape)} differs from the output {ShapeUtil.Format(outShape)}");
        }
        if (GradMode.IsEnabled && (x.RequiresGrad || (bias?.RequiresGrad ?? false) || (residual?.RequiresGrad ?? false)))
            throw new InvalidOperationException($"LinearPacked: an inference op, but an input of {ShapeUtil.Format(x.Shape)} -> {ShapeUtil.Format(outShape)} requires a gradient (turn gradients off, or use Linear)");
        Tensor xr, b, r;
        using (GradMode.NoGrad())
        {
            xr = LinearRows(x);
            b = bias?.Contiguous()!;
            r = residual == null ? null! : LinearRows(residual.Strides[^1] == 1 ? residual : residual.Contiguous());
        }
        int rows = xr.Shape[0];
        MacCounter.Add((long)rows * outF * inF);
        var y = Tensor.Empty(outShape);
        if (MacCounter.SkipArithmetic) y.Span.Clear();
        else if (rows > 0)
            Gemm.SgemmPacked(rows, xr.Ptr, xr.Strides[0], xr.Strides[1], weight, y.Ptr, outF,
                b == null ? null : b.Ptr, gelu, r == null ? null : r.Ptr, r == null ? 0 : r.Strides[0]);
        Engine.Record(y, residual == null ? gelu ? "linear+gelu" : "linear" : gelu ? "linear+gelu+add" : "linear+add", NoBackward, x);
        return y;
    }

    private static void NoBackward(Node node, Tensor gradOutput)
        => throw new InvalidOperationException($"{node.Op}: an inference op has no backward rule");
}
