using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

public class LrScaleTests
{
    /// <summary>DETR's backbone trains at a tenth of the rate: a schedule sets each group to its rate times the group's scale.</summary>
    [Fact]
    public void A_schedule_gives_each_group_its_scaled_rate()
    {
        var a = new ParamGroup(new[] { Tensor.Zeros(2) }, 1.0);
        var b = new ParamGroup(new[] { Tensor.Zeros(2) }, 1.0) { LrScale = 0.1 };
        var opt = new Sgd(new List<ParamGroup> { a, b });
        var schedule = new WarmupCosine(2e-3, warmupSteps: 10, totalSteps: 100);
        foreach (long step in new long[] { 0, 5, 10, 60, 99 })
        {
            schedule.Apply(opt, step);
            Assert.Equal(schedule.LrAt(step), a.Lr);
            Assert.Equal(schedule.LrAt(step) * 0.1, b.Lr, 15);
        }
    }
}
