using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>Group DETR's training-only query groups (<see cref="DetrConfig.GroupDetr"/>) on the official r18 fixture's weights.</summary>
public class DetrGroupQueryTests
{
    [Fact]
    public void Each_group_is_decoded_as_if_alone_and_eval_mode_is_the_plain_detr()
    {
        var config = DetrModelFixture.Configs["r18"] with { Dropout = 0 };
        var plain = (DetrModel)ModelRegistry.Build(config).Module;
        plain.LoadStateDict(DetrModelFixture.State("r18"));
        var grouped = (DetrModel)ModelRegistry.Build(config with { GroupDetr = 3 }, seed: 9).Module;
        var state = DetrModelFixture.State("r18");
        state["group_query_embed.weight"] = grouped.GroupQueryEmbed!.Weight.Clone();
        grouped.LoadStateDict(state);
        Assert.Equal(new[] { 2 * config.NumQueries, config.HiddenDim }, grouped.GroupQueryEmbed.Weight.Shape.ToArray());
        var batch = DetrModelFixture.Batch("r18");
        int b = batch.Images.Shape[0], q = config.NumQueries;
        using var _ = GradMode.NoGrad();
        plain.Train();
        var reference = plain.Forward(batch);

        grouped.Eval();
        var eval = grouped.Forward(batch);
        Assert.Equal(reference.PredLogits.ToArray(), eval.PredLogits.ToArray());

        grouped.Train();
        var train = grouped.Forward(batch);
        Assert.Equal(new[] { b * 3, q, config.NumClasses + 1 }, train.PredLogits.Shape.ToArray());
        for (int i = 0; i < b; i++)
        {
            // Group 0 of image i (row i * 3) uses the model's own queries: the plain model's output for that image.
            var rowLogits = train.PredLogits.Select(0, i * 3).Contiguous().ToArray();
            var want = reference.PredLogits.Select(0, i).Contiguous().ToArray();
            Assert.True(rowLogits.Zip(want, (x, y) => Math.Abs(x - y)).Max() < 1e-4, $"image {i}, group 0 differs from the plain DETR");
            Assert.True(train.PredLogits.Select(0, i * 3 + 1).Contiguous().ToArray().Zip(want, (x, y) => Math.Abs(x - y)).Max() > 1e-3,
                "group 1 has queries of its own");
        }
        Assert.Equal(train.AuxOutputs.Count, reference.AuxOutputs.Count);
    }
}
