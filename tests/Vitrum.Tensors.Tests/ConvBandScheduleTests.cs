using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Tests.Support;
using Vitrum.Tensors.Threading;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// The forward pass of one large image (batch 1, one group) runs its bands of output in parallel, each with its own
/// im2col and GEMM (<see cref="ConvSchedule.Bands"/>; bands of the column scratch's size, or finer when those are
/// too few to share), and gives what one thread computes band after band.
/// </summary>
[Collection("GlobalKernelState")]
public class ConvBandScheduleTests
{
    private static unsafe float[] Forward(Conv2dPlan plan, Tensor x, Tensor w, Tensor b, Tensor r, bool relu)
    {
        var y = Tensor.Empty(new[] { x.Shape[0], plan.Cout, plan.G.Oh, plan.G.Ow });
        plan.Forward(x.Ptr, w.Ptr, b.Ptr, y.Ptr, x.Shape[0], r.Ptr, relu);
        return y.ToArray();
    }

    [Theory]
    [InlineData(3, 1, 1, 8, 70, 1 << 12)]
    [InlineData(3, 2, 1, 8, 70, 1 << 11)]
    [InlineData(2, 2, 0, 8, 70, 1 << 11)]
    [InlineData(1, 1, 0, 64, 200, 1 << 20)]
    [InlineData(3, 1, 1, 8, 70, 1 << 20)]
    [InlineData(1, 1, 0, 64, 70, 1 << 20)]
    public void Bands_in_parallel_equal_one_thread_band_after_band(int kernel, int stride, int padding, int cout, int height, int bandFloats)
    {
        var x = GradCheck.Rand(1, 1, 6, height, 90);
        var w = GradCheck.Rand(2, cout, 6, kernel, kernel);
        var g = Window2d.Create("Conv2d", x.Shape, 6, height, 90, kernel, stride, padding, 1);
        var b = GradCheck.Rand(3, cout);
        var r = GradCheck.Rand(4, 1, cout, g.Oh, g.Ow);
        var plan = new Conv2dPlan(g, cout, 1, bandFloats);
        int old = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = 1;
            Assert.Equal(ConvSchedule.Serial, plan.ForwardSchedule(1));
            var serial = Forward(plan, x, w, b, r, relu: true);
            WorkerPool.ThreadCount = 2;
            Assert.Equal(ConvSchedule.Bands, plan.ForwardSchedule(1));
            GradCheck.Close(serial, Forward(plan, x, w, b, r, relu: true), 1e-6, 1e-6, $"{plan.Path} bands");
            Assert.Equal(ConvSchedule.Units, plan.ForwardSchedule(4));
        }
        finally { WorkerPool.ThreadCount = old; }
    }
}
