using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.nn.functional.linear: y = x W^T + b as one op. The bias is written into the output rows first
    /// and the GEMM accumulates onto it, so there is no separate broadcast add (a full extra pass over the
    /// activations and a second buffer); W^T is read through strides, and the backward gives dW in W's own
    /// [out, in] layout and db by a column sum, with no transposed copies.
    /// </summary>
    /// <param name="x">[..., in]</param>
    /// <param name="weight">[out, in]</param>
    /// <param name="bias">[out] or null</param>
    /// <returns>[..., out]</returns>
    public static unsafe Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        RequireFloat("Linear", x);
        RequireFloat("Linear", weight);
        if (weight.Rank != 2 || x.Rank == 0 || x.Shape[^1] != weight.Shape[1])
            throw new ArgumentException($"Linear: input {ShapeUtil.Format(x.Shape)} and weight {ShapeUtil.Format(weight.Shape)} do not fit [..., in] and [out, in]");
        int outF = weight.Shape[0], inF = weight.Shape[1];
        if (bias != null)
        {
            RequireFloat("Linear", bias);
            if (bias.Rank != 1 || bias.Shape[0] != outF)
                throw new ArgumentException($"Linear: bias {ShapeUtil.Format(bias.Shape)} for weight {ShapeUtil.Format(weight.Shape)}, expected [{outF}]");
        }
        Tensor xr, w, b;
        using (GradMode.NoGrad())
        {
            xr = LinearRows(x);
            w = weight.Contiguous();
            b = bias?.Contiguous()!;
        }
        MacCounter.Add((long)xr.Shape[0] * outF * inF);
        var outShape = (int[])x.Shape.Clone();
        outShape[^1] = outF;
        var y = Tensor.Empty(outShape);
        int rows = xr.Shape[0];
        if (MacCounter.SkipArithmetic) y.Span.Clear();
        else if (rows > 0 && outF > 0)
        {
            float* py = y.Ptr;
            if (b != null)
            {
                var row = b.Span;
                for (int r = 0; r < rows; r++) row.CopyTo(new Span<float>(py + (long)r * outF, outF));
            }
            if (inF == 0) { if (b == null) y.Span.Clear(); }
            else Gemm.Sgemm(rows, outF, inF, xr.Ptr, xr.Strides[0], xr.Strides[1], w.Ptr, 1, inF, py, outF, accumulate: b != null);
        }
        var node = bias == null ? Engine.Record(y, "linear", GradRules.Linear, x, weight) : Engine.Record(y, "linear", GradRules.Linear, x, weight, bias);
        if (node != null) node.Saved = new Tensor?[] { xr, w };
        return y;
    }

    /// <summary>x as a [rows, in] matrix: a view when its leading dims collapse into one row stride, else a contiguous copy.</summary>
    internal static Tensor LinearRows(Tensor x)
    {
        int inF = x.Shape[^1], rows = (int)ShapeUtil.Numel(x.Shape.AsSpan(0, x.Rank - 1));
        var src = x.Rank >= 2 && RowsCollapse(x, out _) ? x : x.Contiguous();
        int rowStride = rows > 1 ? src.Strides[^2] : inF;
        return src.ViewOf(new[] { rows, inF }, new[] { rowStride, inF == 1 ? 1 : src.Strides[^1] }, src.Offset);
    }
}
