using System.Text.Json;
using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;

namespace Vitrum.Models.Tests;

/// <summary>
/// One case of tests/fixtures/detr/criterion.json (tools/fixtures/gen_detr_criterion.py): random outputs and targets
/// run through the official DETR code's HungarianMatcher, SetCriterion and PostProcess.
/// </summary>
public sealed class DetrCriterionFixture
{
    private static readonly Lazy<JsonElement[]> All = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "detr", "criterion.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToArray();
    });

    private readonly JsonElement _e;
    private DetrCriterionFixture(JsonElement e) => _e = e;

    public static IEnumerable<string> Names => All.Value.Select(e => e.GetProperty("name").GetString()!);

    public static DetrCriterionFixture Get(string name) => new(All.Value.Single(e => e.GetProperty("name").GetString() == name));

    public int NumClasses => _e.GetProperty("num_classes").GetInt32();
    public float EosCoef => (float)_e.GetProperty("eos_coef").GetDouble();
    public int AuxCount => _e.GetProperty("aux_outputs").GetArrayLength();

    /// <summary>Fresh output tensors (final and auxiliary), optionally requiring gradients.</summary>
    public DetrOutput Outputs(bool requireGrad = false)
    {
        DetrOutput Read(JsonElement o) => new(Leaf(o.GetProperty("pred_logits"), requireGrad), Leaf(o.GetProperty("pred_boxes"), requireGrad));
        return Read(_e.GetProperty("outputs")) with { AuxOutputs = _e.GetProperty("aux_outputs").EnumerateArray().Select(Read).ToArray() };
    }

    private static Tensor Leaf(JsonElement t, bool requireGrad)
    {
        var x = Fixture.ToTensor(t);
        x.RequiresGrad = requireGrad;
        return x;
    }

    public DetrTarget[] Targets() => _e.GetProperty("targets").EnumerateArray()
        .Select(t => new DetrTarget(Fixture.ToTensor(t.GetProperty("labels")), Fixture.ToTensor(t.GetProperty("boxes")))).ToArray();

    /// <summary>DETR's matched (query, target) indices per image, of the final output (aux null) or auxiliary output aux.</summary>
    public (int[] Pred, int[] Target)[] Indices(int? aux = null)
    {
        var e = aux is int i ? _e.GetProperty("aux_indices")[i] : _e.GetProperty("indices");
        int[] Ints(JsonElement a) => a.EnumerateArray().Select(v => v.GetInt32()).ToArray();
        return e.EnumerateArray().Select(p => (Ints(p[0]), Ints(p[1]))).ToArray();
    }

    /// <summary>Every entry of DETR's loss dict, in its order.</summary>
    public (string Key, double Value)[] Losses => _e.GetProperty("losses").EnumerateObject().Select(p => (p.Name, p.Value.GetDouble())).ToArray();

    public double Total => _e.GetProperty("total").GetDouble();

    /// <summary>Gradient of the total with respect to output k's "pred_logits" or "pred_boxes" (k 0 is the final output, k 1 aux 0, ...).</summary>
    public Tensor Grad(int k, string name) => Fixture.ToTensor(_e.GetProperty("grads")[k].GetProperty(name));

    /// <summary>[B, 2] Int64 (height, width) given to PostProcess.</summary>
    public Tensor TargetSizes => Fixture.ToTensor(_e.GetProperty("target_sizes"));

    /// <summary>PostProcess's "scores", "labels" or "boxes" of image i.</summary>
    public Tensor Detection(int i, string name) => Fixture.ToTensor(_e.GetProperty("postprocess")[i].GetProperty(name));
}
