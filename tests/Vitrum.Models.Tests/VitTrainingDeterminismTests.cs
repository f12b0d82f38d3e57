using Vitrum.Models.Vit;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>
/// Training is reproducible bit for bit on a 2-thread pool: a few AdamW steps of a small vit_mnist
/// (dropout and drop path on, gradient clipping, label smoothing) give the same parameters whether the
/// pool runs undisturbed or one of its threads is slowed before every piece, which hands pieces of every
/// parallel kernel (GEMM, attention, layer norm, conv, Adam) to other threads than usual.
/// </summary>
[Collection("GlobalKernelState")]
public class VitTrainingDeterminismTests
{
    // 32 images x 50 tokens = a depth of 1600 for the weight-gradient GEMMs: enough for 2 threads to split it.
    private const int Batch = 32, Steps = 3;

    private static readonly VitConfig Config = VitPresets.VitMnist with { Depth = 2, DropRate = 0.1, DropPathRate = 0.1 };

    private static (string name, float[] value)[] Parameters(VisionTransformer model) =>
        model.NamedParameters().Select(p => (p.Name, p.Parameter.Contiguous().AsSpan().ToArray())).ToArray();

    private static (string name, float[] value)[] Train(PieceDelays.Slow slow, out int workerPieces)
    {
        var model = new VisionTransformer(Config, seed: 3);
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, 2e-3, 0.05, VisionTransformer.NoWeightDecay));
        var data = new Generator(5);
        model.Train();
        workerPieces = PieceDelays.Run(slow, () =>
        {
            for (int step = 0; step < Steps; step++)
            {
                using var images = Tensor.Randn(data, Batch, 1, 28, 28);
                var labels = new long[Batch];
                for (int i = 0; i < Batch; i++) labels[i] = data.NextInt(10);
                using var targets = Tensor.FromLongs(labels, Batch);
                var loss = Ops.CrossEntropy(model.Forward(images), targets, labelSmoothing: 0.1f);
                opt.ZeroGrad();
                loss.Backward();
                GradClip.ClipGradNorm(model.Parameters(), 1.0);
                opt.Step();
            }
        }, delayMicroseconds: 30);
        return Parameters(model);
    }

    [Fact]
    public void Vit_training_steps_on_two_threads_give_the_same_parameters_whichever_thread_runs_which_piece()
    {
        var initial = Parameters(new VisionTransformer(Config, seed: 3));
        var plain = Train(PieceDelays.Slow.None, out int plainWorker);
        Assert.True(initial.Zip(plain).All(p => !p.First.value.AsSpan().SequenceEqual(p.Second.value)), "some parameter was not changed by the steps");
        Assert.True(plainWorker > 0, "the pool's worker never ran a piece: nothing was split");
        foreach (var slow in new[] { PieceDelays.Slow.Worker, PieceDelays.Slow.Caller, PieceDelays.Slow.None })
        {
            var again = Train(slow, out _);
            for (int p = 0; p < plain.Length; p++)
                for (int i = 0; i < plain[p].value.Length; i++)
                    if (BitConverter.SingleToInt32Bits(plain[p].value[i]) != BitConverter.SingleToInt32Bits(again[p].value[i]))
                        Assert.Fail($"{plain[p].name}[{i}]: {again[p].value[i]:R} with the {slow} thread slowed, {plain[p].value[i]:R} undisturbed");
        }
    }
}
