using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>
/// <see cref="SetCriterion"/> on a data-parallel rank's part of a batch: with the whole batch's <see cref="SetCriterion.Normalizers"/>,
/// the ranks' losses and gradients averaged are the one process's on the whole batch.
/// </summary>
public class DetrCriterionShardTests
{
    private const int Queries = 3, Classes = 3;

    /// <summary>Four images with 2, 0, 4 (more than the queries) and 1 targets.</summary>
    private static DetrTarget[] Targets()
    {
        var g = new Generator(11);
        return new[] { 2, 0, 4, 1 }.Select(n => new DetrTarget(
            Tensor.FromLongs(Enumerable.Range(0, n).Select(_ => (long)g.NextInt(Classes)).ToArray(), n),
            Tensor.FromArray(Enumerable.Range(0, 4 * n).Select(k => k % 4 < 2 ? 0.2f + 0.6f * g.NextFloat() : 0.1f + 0.2f * g.NextFloat()).ToArray(), n, 4))).ToArray();
    }

    /// <summary>Final and one auxiliary output for images [from, from + count) of the leaves: logits and boxes (sigmoid of the leaves).</summary>
    private static DetrOutput Slice(Tensor[] leaves, int from, int count)
    {
        DetrOutput Out(Tensor logits, Tensor boxes) => new(logits.Narrow(0, from, count), Ops.Sigmoid(boxes.Narrow(0, from, count)));
        return Out(leaves[0], leaves[1]) with { AuxOutputs = new[] { Out(leaves[2], leaves[3]) } };
    }

    private static Tensor[] Leaves()
    {
        var leaves = new[] { GradCheck.Rand(1, 4, Queries, Classes + 1), GradCheck.Rand(2, 4, Queries, 4), GradCheck.Rand(3, 4, Queries, Classes + 1), GradCheck.Rand(4, 4, Queries, 4) };
        foreach (var t in leaves) t.RequiresGrad = true;
        return leaves;
    }

    [Fact]
    public void Two_ranks_with_the_whole_batchs_normalizers_average_to_the_one_process_loss_and_gradients()
    {
        var criterion = new SetCriterion(Classes);
        var targets = Targets();
        var whole = Leaves();
        var expected = criterion.Forward(Slice(whole, 0, 4), targets);
        expected.Total.Backward();

        var parts = Leaves();
        var halves = new[] { (0, 2), (2, 2) };
        var outputs = halves.Select(h => Slice(parts, h.Item1, h.Item2)).ToArray();
        var shares = halves.Select((h, r) => criterion.Shares(outputs[r], targets[h.Item1..(h.Item1 + h.Item2)])).ToArray();
        // What the ranks' all-reduce gives each: the sums, over the rank count.
        var norms = new SetCriterion.Normalizers(Math.Max(shares.Sum(s => s.Boxes), 1) / 2f, (float)(shares.Sum(s => s.ClassWeight) / 2));
        Assert.Equal(3.5f, norms.NumBoxes);
        var losses = halves.Select((h, r) => criterion.Forward(outputs[r], targets[h.Item1..(h.Item1 + h.Item2)], norms)).ToArray();
        // The gradients are averaged over the ranks, as the all-reduce averages them.
        Ops.Mul(Ops.Add(losses[0].Total, losses[1].Total), 0.5f).Backward();

        Assert.Equal(expected.Total.Item(), (losses[0].Total.Item() + losses[1].Total.Item()) / 2, 5);
        Assert.Equal(expected.Final.LossCe.Item(), (losses[0].Final.LossCe.Item() + losses[1].Final.LossCe.Item()) / 2, 5);
        Assert.Equal(expected.Final.LossBbox.Item(), (losses[0].Final.LossBbox.Item() + losses[1].Final.LossBbox.Item()) / 2, 5);
        for (int i = 0; i < whole.Length; i++)
            GradCheck.Close(whole[i].Grad!.ToArray(), parts[i].Grad!.ToArray(), rtol: 1e-4, atol: 1e-6, what: $"leaf {i}");
        // Without them each rank's loss is its own part's mean: the average differs (the parts hold 2 and 5 boxes).
        var own = halves.Select((h, r) => criterion.Forward(outputs[r], targets[h.Item1..(h.Item1 + h.Item2)]).Final.LossBbox.Item()).ToArray();
        Assert.NotEqual(expected.Final.LossBbox.Item(), (own[0] + own[1]) / 2, 3);
    }
}
