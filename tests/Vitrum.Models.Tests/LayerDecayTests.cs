using System.Text.Json;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>
/// Layer-wise learning-rate decay of the image families against timm's param_groups_layer_decay on the same
/// architectures (tools/fixtures/gen_finetune.py): every parameter's learning-rate scale and weight decay.
/// </summary>
public class LayerDecayTests
{
    private static readonly Lazy<JsonDocument> Timm = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "finetune", "layer_decay_timm.json"))));

    public static TheoryData<string> Cases() => new(Timm.Value.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_parameter_gets_timm_s_lr_scale_and_weight_decay(string name)
    {
        var root = Timm.Value.RootElement;
        var fixture = root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var model = ModelRegistry.Build(ModelRegistry.ParseJson(fixture.GetProperty("config").GetRawText(), name));
        double decay = root.GetProperty("layer_decay").GetDouble(), wd = root.GetProperty("weight_decay").GetDouble();

        var groups = model.ParamGroups(2e-3, wd, decay);

        var names = model.Module.NamedParameters().ToDictionary(p => (object)p.Parameter, p => p.Name, ReferenceEqualityComparer.Instance);
        var ours = groups.SelectMany(g => g.Params.Select(p => (Name: names[p], g.LrScale, g.WeightDecay, g.Lr))).ToList();
        var timm = fixture.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => (Scale: p.Value[0].GetDouble(), Decay: p.Value[1].GetDouble()));
        Assert.Equal(timm.Keys.Order(), ours.Select(o => o.Name).Order());
        foreach (var o in ours)
        {
            Assert.True(Math.Abs(timm[o.Name].Scale - o.LrScale) < 1e-12, $"{name} {o.Name}: lr scale {o.LrScale}, timm {timm[o.Name].Scale}");
            Assert.True(timm[o.Name].Decay == o.WeightDecay, $"{name} {o.Name}: weight decay {o.WeightDecay}, timm {timm[o.Name].Decay}");
            Assert.Equal(2e-3 * o.LrScale, o.Lr, 15);
        }
        Assert.True(ours.Select(o => o.LrScale).Distinct().Count() >= 4, "the scales of embeddings, blocks and head differ");
    }
}
