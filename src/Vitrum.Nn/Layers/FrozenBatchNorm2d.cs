using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// torchvision's FrozenBatchNorm2d (DETR's backbone norm): fixed statistics and affine parameters, all four
/// buffers (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>; no <c>num_batches_tracked</c>,
/// which DETR's loader drops from torchvision checkpoints), eps 1e-5. It has no parameters and normalizes
/// with its running statistics in training mode too, so <see cref="Module.Train"/> never unfreezes it;
/// gradients flow through it to its input only.
/// </summary>
public sealed class FrozenBatchNorm2d : Module<Tensor, Tensor>, IBatchNormStats
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    public float Eps { get; }

    /// <summary>Always: the statistics are frozen.</summary>
    public bool UsesRunningStats => true;

    public FrozenBatchNorm2d(int channels, float eps = 1e-5f)
    {
        Eps = eps;
        Weight = RegisterBuffer("weight", Init.Constant(NewTensor(channels), 1));
        Bias = RegisterBuffer("bias", NewTensor(channels));
        RunningMean = RegisterBuffer("running_mean", NewTensor(channels));
        RunningVar = RegisterBuffer("running_var", Init.Constant(NewTensor(channels), 1));
    }

    /// <param name="input">[N, C, H, W]</param>
    public override Tensor Forward(Tensor input)
    {
        LayerChecks.Channels2d("FrozenBatchNorm2d", input, Weight.Shape[0]);
        return Ops.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, training: false, eps: Eps);
    }
}
