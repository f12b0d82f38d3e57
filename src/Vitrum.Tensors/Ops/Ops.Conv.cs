using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.nn.functional.conv2d with zero padding: y[n, co] = bias[co] + sum over the input channels of
    /// co's group of the cross-correlation with weight[co]. A 3-d input is one unbatched image.
    /// </summary>
    /// <param name="input">[N, Cin, H, W] or [Cin, H, W]</param>
    /// <param name="weight">[Cout, Cin / groups, kh, kw]</param>
    /// <param name="bias">[Cout] or null</param>
    /// <returns>[N, Cout, Oh, Ow] with Oh = (H + 2 padding - dilation (kh - 1) - 1) / stride + 1</returns>
    public static unsafe Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null,
        Size2? padding = null, Size2? dilation = null, int groups = 1)
    {
        if (input.Rank == 3)
            return Conv2d(input.Unsqueeze(0), weight, bias, stride, padding, dilation, groups).Squeeze(0);
        var (plan, x, w, b) = PlanConv2d("Conv2d", input, weight, bias, stride, padding, dilation, groups);
        var y = Tensor.Empty(new[] { x.Shape[0], plan.Cout, plan.G.Oh, plan.G.Ow });
        if (MacCounter.SkipArithmetic) y.Span.Clear();
        else plan.Forward(x.Ptr, w.Ptr, b == null ? null : b.Ptr, y.Ptr, x.Shape[0]);
        var node = bias == null
            ? Engine.Record(y, "conv2d", GradRules.Conv2d, input, weight)
            : Engine.Record(y, "conv2d", GradRules.Conv2d, input, weight, bias);
        if (node != null)
        {
            node.Saved = new Tensor?[] { x, w };
            node.State = plan;
        }
        return y;
    }

    /// <summary>
    /// relu(conv2d(input) + bias + residual), the tail of a ResNet block, in one pass over the output where no tape
    /// is recorded (inference engines' "sum" and "eltwise" post-ops): the residual initialises the output the GEMMs
    /// accumulate onto, and the relu runs on each band of output while it is still in cache. With a tape it is
    /// <see cref="Conv2d"/>, <see cref="Add(Tensor, Tensor)"/> and <see cref="Relu"/>, with their gradients.
    /// </summary>
    /// <param name="input">[N, Cin, H, W]</param>
    /// <param name="weight">[Cout, Cin / groups, kh, kw]</param>
    /// <param name="bias">[Cout] or null</param>
    /// <param name="residual">[N, Cout, Oh, Ow] or null: added before the relu</param>
    /// <param name="relu">apply relu last</param>
    /// <returns>[N, Cout, Oh, Ow]</returns>
    public static unsafe Tensor Conv2dAddRelu(Tensor input, Tensor weight, Tensor? bias, Tensor? residual, bool relu, Size2? stride = null,
        Size2? padding = null, Size2? dilation = null, int groups = 1)
    {
        bool taped = Engine.ShouldRecord(input, weight) || (bias != null && Engine.ShouldRecord(bias)) || (residual != null && Engine.ShouldRecord(residual));
        if (taped || input.Rank != 4 || MacCounter.SkipArithmetic)
        {
            var y = Conv2d(input, weight, bias, stride, padding, dilation, groups);
            if (residual != null) y = Add(y, residual);
            return relu ? Relu(y) : y;
        }
        var (plan, x, w, b) = PlanConv2d("Conv2dAddRelu", input, weight, bias, stride, padding, dilation, groups);
        var shape = new[] { x.Shape[0], plan.Cout, plan.G.Oh, plan.G.Ow };
        Tensor? r = null;
        if (residual != null)
        {
            RequireFloat("Conv2dAddRelu", residual);
            if (!ShapeUtil.SameShape(residual.Shape, shape))
                throw new ArgumentException($"Conv2dAddRelu: residual {ShapeUtil.Format(residual.Shape)} must be the convolution's output {ShapeUtil.Format(shape)} (input {ShapeUtil.Format(input.Shape)}, weight {ShapeUtil.Format(weight.Shape)})");
            r = residual.Contiguous();
        }
        var output = Tensor.Empty(shape);
        plan.Forward(x.Ptr, w.Ptr, b == null ? null : b.Ptr, output.Ptr, x.Shape[0], r == null ? null : r.Ptr, relu);
        return output;
    }

    /// <summary>Checks a convolution's operands and plans it; the operands come back contiguous.</summary>
    private static (Conv2dPlan Plan, Tensor X, Tensor W, Tensor? B) PlanConv2d(string op, Tensor input, Tensor weight, Tensor? bias,
        Size2? stride, Size2? padding, Size2? dilation, int groups)
    {
        RequireFloat(op, input);
        RequireFloat(op, weight);
        if (bias != null) RequireFloat(op, bias);
        if (input.Rank != 4)
            throw new ArgumentException($"{op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got {ShapeUtil.Format(input.Shape)}");
        if (weight.Rank != 4)
            throw new ArgumentException($"{op}: expected a 4-D weight [Cout, Cin/groups, kh, kw], got {ShapeUtil.Format(weight.Shape)} for input {ShapeUtil.Format(input.Shape)}");
        int batch = input.Shape[0], cin = input.Shape[1], cout = weight.Shape[0];
        if (groups < 1 || cin % groups != 0 || cout % groups != 0)
            throw new ArgumentException($"{op}: groups {groups} must be positive and divide the input channels {cin} and output channels {cout} (input {ShapeUtil.Format(input.Shape)}, weight {ShapeUtil.Format(weight.Shape)})");
        if (weight.Shape[1] * groups != cin)
            throw new ArgumentException($"{op}: input {ShapeUtil.Format(input.Shape)} has {cin} channels but weight {ShapeUtil.Format(weight.Shape)} with groups {groups} expects {weight.Shape[1] * groups}");
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != cout))
            throw new ArgumentException($"{op}: bias {ShapeUtil.Format(bias.Shape)} must be [{cout}] for weight {ShapeUtil.Format(weight.Shape)}");
        var g = Window2d.Create(op, input.Shape, cin, input.Shape[2], input.Shape[3],
            (weight.Shape[2], weight.Shape[3]), stride ?? 1, padding ?? 0, dilation ?? 1);
        MacCounter.Add((long)batch * cout * g.Oh * g.Ow * weight.Shape[1] * weight.Shape[2] * weight.Shape[3]);
        using (GradMode.NoGrad())
            return (new Conv2dPlan(g, cout, groups), input.Contiguous(), weight.Contiguous(), bias?.Contiguous());
    }

    /// <summary>
    /// torch.nn.functional.unfold (im2col): every kh x kw window of every channel as a column.
    /// Row c*kh*kw + i*kw + j of column oy*Ow + ox holds x[c, oy*stride - padding + i*dilation, ox*stride - padding + j*dilation].
    /// </summary>
    /// <param name="input">[N, C, H, W] or [C, H, W]</param>
    /// <returns>[N, C*kh*kw, L] (or [C*kh*kw, L]) with L = Oh * Ow</returns>
    public static Tensor Unfold(Tensor input, Size2 kernelSize, Size2? dilation = null, Size2? padding = null, Size2? stride = null)
    {
        RequireFloat("Unfold", input);
        if (input.Rank == 3) return Unfold(input.Unsqueeze(0), kernelSize, dilation, padding, stride).Squeeze(0);
        if (input.Rank != 4)
            throw new ArgumentException($"Unfold: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got {ShapeUtil.Format(input.Shape)}");
        var g = Window2d.Create("Unfold", input.Shape, input.Shape[1], input.Shape[2], input.Shape[3],
            kernelSize, stride ?? 1, padding ?? 0, dilation ?? 1);
        Tensor x;
        using (GradMode.NoGrad()) x = input.Contiguous();
        var y = UnfoldColumns(x, g);
        var node = Engine.Record(y, "unfold", GradRules.Unfold, input);
        if (node != null) node.State = g;
        return y;
    }

    /// <summary>
    /// torch.nn.functional.fold (col2im): the adjoint of <see cref="Unfold"/>, summing the entries of
    /// overlapping windows into the output pixels they came from.
    /// </summary>
    /// <param name="input">[N, C*kh*kw, L] or [C*kh*kw, L], L = the number of windows over outputSize</param>
    /// <returns>[N, C, outputSize.H, outputSize.W] (or unbatched)</returns>
    public static Tensor Fold(Tensor input, Size2 outputSize, Size2 kernelSize, Size2? dilation = null, Size2? padding = null, Size2? stride = null)
    {
        RequireFloat("Fold", input);
        if (input.Rank == 2) return Fold(input.Unsqueeze(0), outputSize, kernelSize, dilation, padding, stride).Squeeze(0);
        if (input.Rank != 3)
            throw new ArgumentException($"Fold: expected a 2-D [C*kh*kw, L] or 3-D [N, C*kh*kw, L] input, got {ShapeUtil.Format(input.Shape)}");
        if (outputSize.H <= 0 || outputSize.W <= 0)
            throw new ArgumentException($"Fold: output size {outputSize} must be positive (input {ShapeUtil.Format(input.Shape)})");
        var g = Window2d.Create("Fold", input.Shape, 0, outputSize.H, outputSize.W, kernelSize, stride ?? 1, padding ?? 0, dilation ?? 1);
        if (input.Shape[1] % g.KernelArea != 0)
            throw new ArgumentException($"Fold: dim 1 of input {ShapeUtil.Format(input.Shape)} is not divisible by the kernel area {kernelSize.H} x {kernelSize.W}");
        if (input.Shape[2] != g.L)
            throw new ArgumentException($"Fold: input {ShapeUtil.Format(input.Shape)} has {input.Shape[2]} blocks but output size {outputSize} with kernel {kernelSize} gives {g.Oh} x {g.Ow} = {g.L}");
        g = g with { C = input.Shape[1] / g.KernelArea };
        Tensor cols;
        using (GradMode.NoGrad()) cols = input.Contiguous();
        var y = FoldColumns(cols, g);
        var node = Engine.Record(y, "fold", GradRules.Fold, input);
        if (node != null) node.State = g;
        return y;
    }

    /// <summary>im2col of a contiguous [N, C, H, W] tensor: [N, C*kh*kw, L].</summary>
    internal static unsafe Tensor UnfoldColumns(Tensor x, in Window2d g)
    {
        int batch = x.Shape[0];
        var y = Tensor.Empty(new[] { batch, g.C * g.KernelArea, g.L });
        ColumnJob.Run(new ColumnJob(), g, ColumnTransform.Gather, x.Ptr, y.Ptr, batch * g.C, 0, g.Oh);
        return y;
    }

    /// <summary>col2im of a contiguous [N, C*kh*kw, L] tensor: [N, C, H, W].</summary>
    internal static unsafe Tensor FoldColumns(Tensor cols, in Window2d g)
    {
        int batch = cols.Shape[0];
        var y = Tensor.Zeros(batch, g.C, g.H, g.W);
        ColumnJob.Run(new ColumnJob(), g, ColumnTransform.ScatterAdd, y.Ptr, cols.Ptr, batch * g.C, 0, g.Oh);
        return y;
    }
}
