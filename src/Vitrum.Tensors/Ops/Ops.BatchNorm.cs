using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

public static partial class Ops
{
    /// <summary>
    /// torch.nn.functional.batch_norm over dim 1 of [N, C, ...]. Training normalizes with the batch mean
    /// and biased variance and, when running buffers are given, updates them in place:
    /// running = (1 - momentum) running + momentum stat, with the unbiased variance. Eval (and a frozen
    /// batch norm) normalizes with the running statistics. Gradients flow to input, weight and bias;
    /// the running buffers are state, never differentiated.
    /// </summary>
    /// <param name="input">[N, C] or [N, C, *]</param>
    /// <param name="runningMean">[C] or null (required in eval)</param>
    /// <param name="runningVar">[C] or null (required in eval)</param>
    /// <param name="weight">[C] or null (scale 1)</param>
    /// <param name="bias">[C] or null (shift 0)</param>
    public static unsafe Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight,
        Tensor? bias, bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        RequireFloat("BatchNorm", input);
        if (input.Rank < 2)
            throw new ArgumentException($"BatchNorm: expected an input [N, C, ...] of rank 2 or more, got {ShapeUtil.Format(input.Shape)}");
        int batch = input.Shape[0], channels = input.Shape[1], inner = input.Numel / Math.Max(1, batch * channels);
        RequireChannelVector("running_mean", runningMean, input);
        RequireChannelVector("running_var", runningVar, input);
        RequireChannelVector("weight", weight, input);
        RequireChannelVector("bias", bias, input);
        if ((runningMean == null) != (runningVar == null))
            throw new ArgumentException($"BatchNorm: running_mean and running_var must be given together (input {ShapeUtil.Format(input.Shape)})");
        if (!training && runningMean == null)
            throw new ArgumentException($"BatchNorm: eval mode needs running_mean and running_var (input {ShapeUtil.Format(input.Shape)})");
        if (training && batch * inner <= 1)
            throw new ArgumentException($"BatchNorm: expected more than 1 value per channel when training, got input {ShapeUtil.Format(input.Shape)}");
        if (runningMean != null && (!runningMean.IsContiguous || !runningVar!.IsContiguous))
            throw new ArgumentException($"BatchNorm: running statistics must be contiguous to be updated in place (input {ShapeUtil.Format(input.Shape)})");
        Tensor x;
        Tensor? w, b;
        using (GradMode.NoGrad())
        {
            x = input.Contiguous();
            w = weight?.Contiguous();
            b = bias?.Contiguous();
        }
        var y = Tensor.Empty(input.Shape);
        var mean = Tensor.Empty(new[] { channels });
        var invstd = Tensor.Empty(new[] { channels });
        var kernel = new BatchNormKernel(batch, channels, inner);
        kernel.Forward(x.Ptr, y.Ptr, w == null ? null : w.Ptr, b == null ? null : b.Ptr, mean.Ptr, invstd.Ptr, training,
            runningMean == null ? null : runningMean.Ptr, runningVar == null ? null : runningVar.Ptr, momentum, eps);
        var inputs = new List<Tensor> { input };
        if (weight != null) inputs.Add(weight);
        if (bias != null) inputs.Add(bias);
        var node = Engine.Record(y, "batch_norm", GradRules.BatchNorm, inputs.ToArray());
        if (node != null)
        {
            node.Saved = new Tensor?[] { x, w, mean, invstd };
            node.Ints = new[] { training ? 1 : 0, weight != null ? 1 : -1, bias == null ? -1 : weight != null ? 2 : 1 };
        }
        return y;
    }

    private static void RequireChannelVector(string name, Tensor? t, Tensor input)
    {
        if (t == null) return;
        RequireFloat("BatchNorm", t);
        if (t.Rank != 1 || t.Shape[0] != input.Shape[1])
            throw new ArgumentException($"BatchNorm: {name} {ShapeUtil.Format(t.Shape)} does not match the {input.Shape[1]} channels of input {ShapeUtil.Format(input.Shape)}");
    }
}
