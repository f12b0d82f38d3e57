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

public class InitSkipTests
{
    /// <summary>A model built to be loaded or measured skips drawing its weights; outside the scope they are drawn again.</summary>
    [Fact]
    public void Initializers_leave_tensors_untouched_inside_a_skip_scope_only()
    {
        var gen = new Generator(1);
        var t = Tensor.Zeros(64);
        using (Init.Skip())
        {
            Init.TruncNormal(t, gen, 0, 0.02);
            Init.KaimingUniform(Tensor.Zeros(4, 4), gen);
            Init.Constant(t, 1f);
            Assert.All(t.ToArray(), v => Assert.Equal(0f, v));
        }
        Init.Constant(t, 1f);
        Assert.All(t.ToArray(), v => Assert.Equal(1f, v));
    }
}
