using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// torch.nn.BatchNorm2d: batch statistics in training (running mean/var updated with <c>momentum</c>),
/// running statistics in eval. Keys <c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>,
/// <c>num_batches_tracked</c>.
/// </summary>
public sealed class BatchNorm2d : Module<Tensor, Tensor>, IBatchNormStats
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    private readonly Tensor _numBatches;
    public float Momentum { get; }
    public float Eps { get; }

    public BatchNorm2d(int channels, float eps = 1e-5f, float momentum = 0.1f)
    {
        (Eps, Momentum) = (eps, momentum);
        Weight = RegisterParameter("weight", Init.Constant(NewTensor(channels), 1));
        Bias = RegisterParameter("bias", NewTensor(channels));
        RunningMean = RegisterBuffer("running_mean", NewTensor(channels));
        RunningVar = RegisterBuffer("running_var", Init.Constant(NewTensor(channels), 1));
        using (Vitrum.Tensors.Memory.TensorScope.Suppress()) _numBatches = RegisterBuffer("num_batches_tracked", Tensor.LongZeros());
    }

    /// <summary>Training forward passes so far (PyTorch's <c>num_batches_tracked</c>; loaded with the state dict).</summary>
    public long NumBatchesTracked => _numBatches.GetLong();

    /// <summary>In eval mode: training normalizes with the batch's statistics.</summary>
    public bool UsesRunningStats => !Training;

    /// <param name="input">[N, C, H, W]</param>
    public override Tensor Forward(Tensor input)
    {
        LayerChecks.Channels2d("BatchNorm2d", input, Weight.Shape[0]);
        var y = Ops.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, Training, Momentum, Eps);
        // Counted after the op so that a rejected input leaves the counter as it was.
        if (Training) _numBatches.AsLongSpan()[0]++;
        return y;
    }
}
