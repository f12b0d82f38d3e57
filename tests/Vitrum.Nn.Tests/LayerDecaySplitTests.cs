using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>timm's layer-wise learning-rate decay (param_groups_layer_decay) as parameter groups with <see cref="ParamGroup.LrScale"/>.</summary>
public class LayerDecaySplitTests
{
    /// <summary>Four linear layers "0".."3" and a free tensor "emb"; layer ordinals with gaps, as a family's rule gives them.</summary>
    private sealed class Stack : Module
    {
        public Stack()
        {
            RegisterParameter("emb", Tensor.Zeros(1, 4));
            var list = RegisterModule("blocks", new ModuleList<Linear>());
            for (int i = 0; i < 4; i++) list.Add(new Linear(4, 4));
        }
    }

    private static int Ordinal(string name) => name == "emb" ? -7 : name.StartsWith("blocks.3", StringComparison.Ordinal) ? int.MaxValue : 10 * (name[7] - '0');

    [Fact]
    public void Layer_i_of_L_learns_at_decay_to_the_power_L_minus_i_with_ordinals_numbered_in_order()
    {
        var groups = ParamGroup.LayerDecaySplit(new Stack(), lr: 0.1, weightDecay: 0.05, layerDecay: 0.5, Ordinal, noDecay: new[] { "emb" });

        // Ordinals -7, 0, 10, 20, max are layers 0..4 of L = 4: scales 0.5^4 .. 1.
        var byName = groups.ToDictionary(g => g.Name);
        Assert.Equal(new[] { "layer_0_no_decay", "layer_1_decay", "layer_1_no_decay", "layer_2_decay", "layer_2_no_decay", "layer_3_decay", "layer_3_no_decay", "layer_4_decay", "layer_4_no_decay" },
            byName.Keys.Order(StringComparer.Ordinal));
        for (int layer = 0; layer <= 4; layer++)
            foreach (var g in groups.Where(g => g.Name.StartsWith($"layer_{layer}_", StringComparison.Ordinal)))
            {
                Assert.Equal(Math.Pow(0.5, 4 - layer), g.LrScale, 15);
                Assert.Equal(0.1 * g.LrScale, g.Lr, 15);
                Assert.Equal(g.Name.EndsWith("no_decay", StringComparison.Ordinal) ? 0 : 0.05, g.WeightDecay);
            }
        Assert.Equal(2, byName["layer_2_no_decay"].Params.Count + byName["layer_2_decay"].Params.Count);
        Assert.Equal(9, groups.Sum(g => g.Params.Count));
    }

    [Fact]
    public void A_schedule_keeps_the_layer_ratios()
    {
        var opt = new AdamW(ParamGroup.LayerDecaySplit(new Stack(), 1.0, 0, 0.75, Ordinal));
        var schedule = new WarmupCosine(3e-3, 5, 50);
        schedule.Apply(opt, 20);
        foreach (var g in opt.Groups) Assert.Equal(schedule.LrAt(20) * g.LrScale, g.Lr, 15);
        Assert.Equal(Math.Pow(0.75, 4), opt.Groups.Min(g => g.LrScale), 15);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_decay_outside_zero_to_one_is_refused(double decay)
    {
        var e = Assert.Throws<ArgumentException>(() => ParamGroup.LayerDecaySplit(new Stack(), 1.0, 0, decay, Ordinal));
        Assert.Contains("layer decay must be in (0, 1]", e.Message);
    }
}
