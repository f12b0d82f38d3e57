using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>DETR's query attention maps (vitrum attention) on the official fixture's padded batch of two image sizes.</summary>
public class DetrQueryAttentionTests
{
    [Fact]
    public void Each_query_s_map_is_a_distribution_over_its_image_s_cells_from_the_same_forward_as_the_outputs()
    {
        var model = DetrModelFixture.Model("r18");
        var batch = DetrModelFixture.Batch("r18");

        var map = model.MapQueryAttention(batch);

        Tensor expected;
        using (GradMode.NoGrad()) expected = model.Forward(batch).PredLogits;
        Assert.Equal(expected.ToArray(), map.Output.PredLogits.ToArray());
        // 64 x 80 at stride 32: a 2 x 3 map; the second image (32 x 48) covers its top-left 1 x 2 cells.
        Assert.Equal(new[] { 2, 5, 2, 3 }, map.Maps.Shape);
        Assert.Equal((2, 3), (map.Rows, map.Cols));
        var values = map.Maps.ToArray();
        for (int q = 0; q < 5; q++)
        {
            Assert.Equal(1.0, values.Skip(q * 6).Take(6).Sum(), 5);
            var second = values.Skip((5 + q) * 6).Take(6).ToArray();
            Assert.Equal(1.0, second[0] + second[1], 5);
            Assert.Equal(new float[4], new[] { second[2], second[3], second[4], second[5] });
        }
    }
}
