using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// Bit-for-bit repeatability of the kernels that split a reduction across threads: on 2 threads the
/// result must not depend on which thread claims which piece, checked over repeated calls undisturbed
/// and with the pool's worker or the calling thread slowed before every piece it claims.
/// </summary>
[Collection("GlobalKernelState")]
public unsafe class ParallelDeterminismTests
{
    private static readonly PieceDelays.Slow[] Disturbances = { PieceDelays.Slow.None, PieceDelays.Slow.Worker, PieceDelays.Slow.Caller };

    /// <summary>
    /// Runs <paramref name="compute"/> <paramref name="reps"/> times under each disturbance and checks every
    /// result against the first, bit for bit; checks that the worker took part, or nothing was split.
    /// </summary>
    private static void AssertRepeatable(Func<float[][]> compute, int reps, double delayMicroseconds)
    {
        float[][]? first = null;
        int workerPieces = 0;
        foreach (var slow in Disturbances)
            workerPieces += PieceDelays.Run(slow, () =>
            {
                for (int rep = 0; rep < reps; rep++)
                {
                    var result = compute();
                    first ??= result;
                    for (int r = 0; r < first.Length; r++)
                        for (int i = 0; i < first[r].Length; i++)
                            if (BitConverter.SingleToInt32Bits(first[r][i]) != BitConverter.SingleToInt32Bits(result[r][i]))
                                Assert.Fail($"output {r} element {i} is {result[r][i]:R} with the {slow} thread slowed (call {rep}), first call gave {first[r][i]:R}");
                }
            }, delayMicroseconds);
        Assert.True(workerPieces > 0, "the pool's worker never ran a piece: nothing was split");
    }

    private static float[] Random(Random rnd, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rnd.NextDouble() * 2 - 1);
        return x;
    }

    [Theory]
    // vit_mnist's qkv weight gradient: 192 x 64 over a depth of 128 images x 49 tokens.
    [InlineData(192, 64, 6272, false)]
    // Odd sizes (edge tiles, a depth not a multiple of the slice), accumulating into C.
    [InlineData(37, 45, 1700, true)]
    public void Depth_split_gemm_gives_the_same_bits_whichever_thread_runs_which_slice(int m, int n, int k, bool accumulate)
    {
        var rnd = new Random(21);
        float[] dy = Random(rnd, k * m), x = Random(rnd, k * n), c0 = Random(rnd, m * n);
        // C (+)= dY^T X in a linear layer's weight-gradient layout (dY [k, m] and X [k, n] row-major, A read
        // transposed): with m x n at most 256 x 256 and k this long, 2 threads split the depth.
        AssertRepeatable(() =>
        {
            var c = (float[])c0.Clone();
            fixed (float* pa = dy, pb = x, pc = c)
                Gemm.Sgemm(m, n, k, pa, 1, m, pb, n, 1, pc, n, accumulate);
            return new[] { c };
        }, reps: 40, delayMicroseconds: 200);
    }

    [Fact]
    public void Attention_backward_gives_the_same_bias_gradient_whichever_thread_runs_which_head()
    {
        // A relative-position bias shared by the 16 batch items: the 64 heads' contributions are summed across tasks.
        var c = new AttentionCase("shared_bias", 16, 4, 49, 49, 16, 16, BiasShape: new[] { 1, 4, 49, 49 });
        AssertRepeatable(() => AttentionTests.RunWithGrads(c, fused: true).grads, reps: 10, delayMicroseconds: 50);
    }
}
