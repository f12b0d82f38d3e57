using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>SetCriterion against the official DETR SetCriterion (tests/fixtures/detr/criterion.json), by hand and by finite differences.</summary>
public class DetrCriterionTests
{
    public static TheoryData<string> Cases() => new(DetrCriterionFixture.Names);

    private static SetCriterion Criterion(DetrCriterionFixture f) => new(f.NumClasses, eosCoef: f.EosCoef);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_loss_term_equals_the_official_criterion_under_its_name_and_in_its_order(string name)
    {
        var f = DetrCriterionFixture.Get(name);
        var losses = Criterion(f).Forward(f.Outputs(), f.Targets());
        var expected = f.Losses;
        var actual = losses.Named().ToArray();
        Assert.Equal(expected.Select(e => e.Key), actual.Select(a => a.Key));
        for (int k = 0; k < expected.Length; k++)
            Assert.True(Math.Abs(expected[k].Value - actual[k].Value) <= 1e-6 + 1e-5 * Math.Abs(expected[k].Value),
                $"{name} {expected[k].Key}: {actual[k].Value}, DETR {expected[k].Value}");
        Assert.Equal(f.Total, losses.Total.Item(), 1e-5 * f.Total);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_of_the_total_equal_the_official_criterion_for_every_output(string name)
    {
        var f = DetrCriterionFixture.Get(name);
        var outputs = f.Outputs(requireGrad: true);
        Criterion(f).Forward(outputs, f.Targets()).Total.Backward();
        var all = new[] { outputs }.Concat(outputs.AuxOutputs).ToArray();
        for (int k = 0; k < all.Length; k++)
        {
            GradCheck.Close(f.Grad(k, "pred_logits").ToArray(), all[k].PredLogits.Grad!.ToArray(), 1e-5, 1e-7, $"{name} output {k} pred_logits");
            GradCheck.Close(f.Grad(k, "pred_boxes").ToArray(), all[k].PredBoxes.Grad!.ToArray(), 1e-5, 1e-7, $"{name} output {k} pred_boxes");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Criterion_reports_the_matching_of_each_output(string name)
    {
        var f = DetrCriterionFixture.Get(name);
        var losses = Criterion(f).Forward(f.Outputs(), f.Targets());
        Assert.Equal(f.AuxCount, losses.Aux.Count);
        for (int k = -1; k < f.AuxCount; k++)
        {
            var got = (k < 0 ? losses.Final : losses.Aux[k]).Indices;
            var expected = f.Indices(k < 0 ? null : k);
            Assert.Equal(expected.Select(e => e.Pred), got.Select(m => m.PredIndices));
            Assert.Equal(expected.Select(e => e.Target), got.Select(m => m.TargetIndices));
        }
    }

    /// <summary>One image, two queries, one target matched to query 0: loss_ce = (nll_0(class) + eos * nll_1(no object)) / (1 + eos).</summary>
    [Fact]
    public void Cross_entropy_weighs_no_object_by_eos_coef()
    {
        var logits = new[] { 1f, 0.2f, -0.5f, 0.1f, 0.3f, 0.9f };
        var outputs = new DetrOutput(Tensor.FromArray(logits, 1, 2, 3), Tensor.FromArray(new[] { 0.5f, 0.5f, 0.2f, 0.2f, 0.1f, 0.9f, 0.1f, 0.1f }, 1, 2, 4));
        var target = new DetrTarget(Tensor.FromLongs(new[] { 0L }, 1), Tensor.FromArray(new[] { 0.5f, 0.5f, 0.2f, 0.2f }, 1, 4));
        var criterion = new SetCriterion(numClasses: 2, eosCoef: 0.25f);
        Assert.Equal(new[] { 1f, 1f, 0.25f }, criterion.EmptyWeight.ToArray());
        var losses = criterion.Forward(outputs, new[] { target });
        Assert.Equal(new[] { 0 }, losses.Final.Indices[0].PredIndices);
        double Nll(int q, int c) => Math.Log(Enumerable.Range(0, 3).Sum(j => Math.Exp(logits[3 * q + j]))) - logits[3 * q + c];
        Assert.Equal((Nll(0, 0) + 0.25 * Nll(1, 2)) / 1.25, losses.Final.LossCe.Item(), 5);
        // The matched box is the target itself: L1 0 and GIoU 1; query 0 predicts class 0, so no class error.
        Assert.Equal(0f, losses.Final.LossBbox.Item(), 6);
        Assert.Equal(0f, losses.Final.LossGiou.Item(), 6);
        Assert.Equal(0.0, losses.Final.ClassError);
        // Query 1's most likely class is "no object", query 0's an object: one predicted object for one target.
        Assert.Equal(0.0, losses.Final.CardinalityError);
    }

    /// <summary>
    /// Matched boxes whose coordinates and corners differ from their targets' by at least 0.01 (no kink of L1 or of GIoU's
    /// max/min within a step) and costs far from ties, so the matching stays the same within the finite-difference steps.
    /// </summary>
    [Fact]
    public void Gradients_match_finite_differences()
    {
        var targets = new[]
        {
            new DetrTarget(Tensor.FromLongs(new[] { 1L, 0L }, 2), Tensor.FromArray(new[] { 0.3f, 0.3f, 0.2f, 0.25f, 0.7f, 0.65f, 0.3f, 0.2f }, 2, 4)),
            new DetrTarget(Tensor.FromLongs(new[] { 2L }, 1), Tensor.FromArray(new[] { 0.5f, 0.4f, 0.4f, 0.3f }, 1, 4)),
        };
        var logits = GradCheck.Rand(3, 2, 3, 4);
        var boxes = Tensor.FromArray(new[]
        {
            0.33f, 0.27f, 0.3f, 0.22f, 0.8f, 0.2f, 0.1f, 0.15f, 0.66f, 0.72f, 0.36f, 0.32f,
            0.2f, 0.8f, 0.1f, 0.2f, 0.53f, 0.44f, 0.32f, 0.36f, 0.9f, 0.9f, 0.1f, 0.1f,
        }, 2, 3, 4);
        var criterion = new SetCriterion(numClasses: 3);
        var matched = criterion.Forward(new DetrOutput(logits, boxes), targets).Final.Indices;
        Assert.Equal(new[] { 0, 2 }, matched[0].PredIndices);
        Assert.Equal(new[] { 0, 1 }, matched[0].TargetIndices);
        Assert.Equal(new[] { 1 }, matched[1].PredIndices);
        GradCheck.Check(x => criterion.Forward(new DetrOutput(x[0], x[1]), targets).Total, new[] { logits, boxes }, eps: 1e-3, rtol: 1e-2, atol: 1e-3);
    }

    [Fact]
    public void Bad_outputs_and_labels_are_refused_with_the_expected_shape()
    {
        var f = DetrCriterionFixture.Get("more_targets_than_queries");
        var criterion = new SetCriterion(numClasses: 5);
        var e = Assert.Throws<ArgumentException>(() => criterion.Forward(f.Outputs(), f.Targets()));
        Assert.Contains("pred_logits [2, 4, 5] has 5 classes, expected num_classes + 1 = 6", e.Message);
        var noObjectLabel = new DetrTarget(Tensor.FromLongs(new[] { 4L }, 1), Tensor.FromArray(new[] { 0.5f, 0.5f, 0.2f, 0.2f }, 1, 4));
        e = Assert.Throws<ArgumentException>(() => Criterion(f).Forward(f.Outputs(), new[] { f.Targets()[0], noObjectLabel }));
        Assert.Contains("SetCriterion: target 1 has label 4 at index 0, expected a class id in [0, 4)", e.Message);
        var outputs = f.Outputs();
        var badAux = outputs with { AuxOutputs = new[] { new DetrOutput(outputs.PredLogits, Tensor.Zeros(2, 3, 4)) } };
        e = Assert.Throws<ArgumentException>(() => Criterion(f).Forward(badAux, f.Targets()));
        Assert.Contains("aux_outputs[0] has pred_logits [2, 4, 5] and pred_boxes [2, 3, 4], expected those of the final output, [2, 4, 5] and [2, 4, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Criterion(f).Forward(new DetrOutput(outputs.PredLogits, Tensor.Zeros(2, 4)), f.Targets()));
        Assert.Contains("pred_boxes Float32 [B, Q, 4], got Float32 [2, 4, 5] and Float32 [2, 4]", e.Message);
    }
}
