using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>DN-DETR's training-only denoising queries (<see cref="DetrConfig.DnGroups"/>) on the official r18 fixture's weights.</summary>
public class DetrDenoisingTests
{
    /// <summary>Two images: three targets and one.</summary>
    private static DetrTarget[] Targets() => new[]
    {
        new DetrTarget(Tensor.FromLongs(new long[] { 1, 4, 6 }, 3),
            Tensor.FromArray(new[] { 0.3f, 0.3f, 0.2f, 0.3f, 0.7f, 0.6f, 0.3f, 0.2f, 0.5f, 0.8f, 0.1f, 0.1f }, 3, 4)),
        new DetrTarget(Tensor.FromLongs(new long[] { 2 }, 1), Tensor.FromArray(new[] { 0.5f, 0.5f, 0.4f, 0.6f }, 1, 4)),
    };

    private static (DetrModel Plain, DetrModel Denoising) Models(int dnGroups, int queryGroups = 1)
    {
        var config = DetrModelFixture.Configs["r18"] with { Dropout = 0 };
        var plain = (DetrModel)ModelRegistry.Build(config).Module;
        plain.LoadStateDict(DetrModelFixture.State("r18"));
        var dn = (DetrModel)ModelRegistry.Build(config with { DnGroups = dnGroups, GroupDetr = queryGroups }, seed: 5).Module;
        var state = DetrModelFixture.State("r18");
        foreach (var (key, value) in dn.StateDict())
            if (key.StartsWith("dn_", StringComparison.Ordinal) || key.StartsWith("group_", StringComparison.Ordinal)) state[key] = value.Clone();
        dn.LoadStateDict(state);
        return (plain, dn);
    }

    private static float MaxDiff(Tensor a, Tensor b) => a.Contiguous().ToArray().Zip(b.Contiguous().ToArray(), (x, y) => Math.Abs(x - y)).Max();

    [Fact]
    public void Noise_keeps_dn_detrs_bounds_pads_short_rows_and_keeps_the_clean_targets()
    {
        var dn = DenoisingQueries.Make(Targets(), groups: 2, numClasses: 7, new Generator(1), labelNoise: 0.5f, boxNoise: 0.4f);
        Assert.Equal((2, 2, 3), (dn.Batch, dn.Groups, dn.Slots));
        // Rows image-major: image 0 groups 0, 1 (3 real queries each), image 1 groups 0, 1 (1 real, 2 padding).
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1 }, dn.Padding.ToLongArray());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 9 }, dn.Real);
        Assert.Equal(new long[] { 1, 4, 6, 1, 4, 6, 2, 2 }, dn.TargetLabels.ToLongArray());
        var clean = dn.TargetBoxes.ToArray();
        var noised = dn.Boxes.ToArray();
        for (int r = 0; r < dn.Real.Length; r++)
        {
            long q = dn.Real[r];
            float w = clean[r * 4 + 2], h = clean[r * 4 + 3];
            var limits = new[] { 0.4f * w / 2, 0.4f * h / 2, 0.4f * w, 0.4f * h };
            for (int c = 0; c < 4; c++)
                Assert.True(Math.Abs(noised[q * 4 + c] - clean[r * 4 + c]) <= limits[c] + 1e-6f, $"query {q} coordinate {c}: {noised[q * 4 + c]} vs {clean[r * 4 + c]}");
        }
        Assert.True(dn.Real.Select((q, r) => MathF.Abs(noised[q * 4] - clean[r * 4])).Max() > 0, "boxes are noised");
        var quiet = DenoisingQueries.Make(Targets(), groups: 2, numClasses: 7, new Generator(1), labelNoise: 0, boxNoise: 0);
        Assert.Equal(quiet.TargetBoxes.ToArray(), quiet.Real.SelectMany(q => quiet.Boxes.ToArray().Skip((int)q * 4).Take(4)).ToArray());
        Assert.Equal(quiet.TargetLabels.ToLongArray(), quiet.Real.Select(q => quiet.Labels.ToLongArray()[q]).ToArray());
        var flipped = DenoisingQueries.Make(Targets(), groups: 8, numClasses: 7, new Generator(1), labelNoise: 1, boxNoise: 0);
        Assert.Contains(flipped.Real, q => flipped.Labels.ToLongArray()[q] != flipped.TargetLabels.ToLongArray()[Array.IndexOf(flipped.Real, q)]);
    }

    [Fact]
    public void Eval_mode_is_the_plain_detr_and_denoising_queries_leave_the_object_queries_untouched()
    {
        var (plain, model) = Models(dnGroups: 2);
        Assert.Equal(new[] { 7, 32 }, model.DnLabelEmbed!.Weight.Shape.ToArray());
        var batch = DetrModelFixture.Batch("r18");
        using var _ = GradMode.NoGrad();
        plain.Eval();
        model.Eval();
        var reference = plain.Forward(batch);
        Assert.Equal(reference.PredLogits.ToArray(), model.Forward(batch).PredLogits.ToArray());
        Assert.Equal(reference.PredBoxes.ToArray(), model.Forward(batch).PredBoxes.ToArray());
        Assert.Throws<InvalidOperationException>(() => model.ForwardDenoising(batch, DenoisingQueries.Make(Targets(), 2, 7, new Generator(2))));

        plain.Train();
        model.Train();
        var dn = DenoisingQueries.Make(Targets(), 2, 7, new Generator(2));
        var (output, denoised) = model.ForwardDenoising(batch, dn);
        Assert.True(MaxDiff(plain.Forward(batch).PredLogits, output.PredLogits) < 1e-5f, "the object queries see no denoising query");
        Assert.Equal(new[] { 4, 3, 8 }, denoised.PredLogits.Shape.ToArray());
        Assert.Equal(new[] { 4, 3, 4 }, denoised.PredBoxes.Shape.ToArray());
        Assert.Equal(output.AuxOutputs.Count, denoised.AuxOutputs.Count);
    }

    [Fact]
    public void The_attention_mask_is_block_diagonal_over_groups_and_hides_padding_queries()
    {
        var (_, model) = Models(dnGroups: 2);
        model.Train();
        var batch = DetrModelFixture.Batch("r18");
        var dn = DenoisingQueries.Make(Targets(), 2, 7, new Generator(2));
        using var _ = GradMode.NoGrad();
        var baseline = model.ForwardDenoising(batch, dn).Denoised.PredBoxes;
        Tensor Rows(Tensor x, params int[] rows) => Ops.Cat(rows.Select(r => x.Select(0, r).Unsqueeze(0)).ToArray());

        // Another box for image 0's group 1 (row 1) only: its own row changes, group 0 (row 0) and image 1 (rows 2, 3) do not.
        var moved = Changed(dn, labels: null, query: 1 * 3 + 0);
        var after = model.ForwardDenoising(batch, moved).Denoised.PredBoxes;
        Assert.Equal(Rows(baseline, 0, 2, 3).ToArray(), Rows(after, 0, 2, 3).ToArray());
        Assert.True(MaxDiff(Rows(baseline, 1).Narrow(1, 1, 2), Rows(after, 1).Narrow(1, 1, 2)) > 1e-4f, "queries of one group attend each other");

        // A padding query (image 1, group 0, slot 2) changed: no real query sees it.
        var padded = Changed(dn, labels: 5, query: 2 * 3 + 2);
        var withPadding = model.ForwardDenoising(batch, padded).Denoised.PredBoxes;
        Assert.Equal(Rows(baseline, 0, 1, 3).ToArray(), Rows(withPadding, 0, 1, 3).ToArray());
        Assert.Equal(Rows(baseline, 2).Narrow(1, 0, 1).ToArray(), Rows(withPadding, 2).Narrow(1, 0, 1).ToArray());
    }

    /// <summary>The queries of <paramref name="dn"/> with query <paramref name="query"/>'s box moved (and its label set, when given).</summary>
    private static DenoisingQueries Changed(DenoisingQueries dn, long? labels, int query)
    {
        var boxes = dn.Boxes.ToArray();
        var l = dn.Labels.ToLongArray();
        boxes[query * 4] = 0.9f;
        boxes[query * 4 + 1] = 0.1f;
        if (labels is long label) l[query] = label;
        return dn.With(Tensor.FromLongs(l, dn.Labels.Shape.ToArray()), Tensor.FromArray(boxes, dn.Boxes.Shape.ToArray()));
    }

    [Fact]
    public void Reconstruction_loss_is_zero_for_exact_answers_and_ignores_padding_queries()
    {
        var dn = DenoisingQueries.Make(Targets(), 2, 7, new Generator(3));
        int rows = 4, slots = 3;
        var logits = new float[rows * slots * 8];
        var boxes = new float[rows * slots * 4];
        for (int i = 0; i < boxes.Length; i++) boxes[i] = 0.05f;
        for (int r = 0; r < dn.Real.Length; r++)
        {
            long q = dn.Real[r];
            logits[q * 8 + dn.TargetLabels.ToLongArray()[r]] = 50;
            for (int c = 0; c < 4; c++) boxes[q * 4 + c] = dn.TargetBoxes.ToArray()[r * 4 + c];
        }
        var output = new DetrOutput(Tensor.FromArray(logits, rows, slots, 8), Tensor.FromArray(boxes, rows, slots, 4));
        var (total, final) = new DenoisingCriterion().Forward(output with { AuxOutputs = new[] { output } }, dn);
        Assert.True(total.Item() < 1e-5, $"total {total.Item()}");
        Assert.True(final.LossBbox.Item() < 1e-6 && final.LossGiou.Item() < 1e-6 && final.LossCe.Item() < 1e-6);
        // One real query's box off by 0.1 in cx: L1 0.1 over the 8 real queries, for each of the two layers, weight 5.
        boxes[dn.Real[0] * 4] += 0.1f;
        var off = new DetrOutput(Tensor.FromArray(logits, rows, slots, 8), Tensor.FromArray(boxes, rows, slots, 4));
        var (_, offFinal) = new DenoisingCriterion().Forward(off, dn);
        Assert.Equal(0.1 / 8, offFinal.LossBbox.Item(), 5);
        Assert.Throws<ArgumentException>(() => new DenoisingCriterion().Forward(new DetrOutput(Tensor.Zeros(4, 2, 8), Tensor.Zeros(4, 2, 4)), dn));
    }
}
