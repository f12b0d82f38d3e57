using Vitrum.Models.Vit;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>PosEmbedResample against torch 1.13's F.interpolate on the small fixture's 4x4 grid (timm's resample_abs_pos_embed).</summary>
public class PosEmbedResampleTests
{
    private static Tensor Source => VitFixture.Model().PosEmbed;

    [Theory]
    [InlineData("pos_embed_6x6", 6, 6)]
    [InlineData("pos_embed_2x2", 2, 2)]
    [InlineData("pos_embed_6x3", 6, 3)]
    public void Antialiased_bicubic_matches_pytorch_when_enlarging_shrinking_and_stretching(string expected, int gh, int gw)
    {
        Agreement.Check(VitFixture.Expected(expected), PosEmbedResample.Resample(Source, 1, gh, gw), 1e-6, expected);
    }

    [Fact]
    public void Plain_bicubic_matches_pytorch_and_differs_from_the_antialiased_one()
    {
        var plain = PosEmbedResample.Resample(Source, 1, 6, 6, antialias: false);
        Agreement.Check(VitFixture.Expected("pos_embed_6x6_plain"), plain, 1e-6, "plain bicubic");
        Assert.True(Agreement.MaxRelative(VitFixture.Expected("pos_embed_6x6"), plain) > 1e-2);
    }

    [Fact]
    public void Class_token_embedding_is_kept_and_same_grid_is_identity()
    {
        var pos = Source;
        var same = PosEmbedResample.Resample(pos, 1, 4, 4);
        Assert.Equal(0, Agreement.MaxRelative(pos, same), 6);
        var big = PosEmbedResample.Resample(pos, 1, 6, 6);
        Assert.Equal(pos.Narrow(1, 0, 1).ToArray(), big.Narrow(1, 0, 1).ToArray());
    }

    [Fact]
    public void Antialiased_weights_rows_sum_to_one()
    {
        foreach (var (src, dst) in new[] { (4, 6), (7, 3), (14, 24), (24, 14) })
        {
            var w = PosEmbedResample.AntialiasedCubicWeights(src, dst).ToArray();
            for (int i = 0; i < dst; i++) Assert.Equal(1.0, w.Skip(i * src).Take(src).Sum(v => (double)v), 5);
        }
    }

    [Fact]
    public void Grid_that_is_not_square_is_rejected_with_its_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => PosEmbedResample.Resample(Tensor.Zeros(1, 1 + 15, 8), 1, 4, 4));
        Assert.Contains("square", e.Message);
        Assert.Contains("[1, 16, 8]", e.Message);
        Assert.Throws<ArgumentException>(() => PosEmbedResample.Resample(Tensor.Zeros(2, 17, 8), 1, 4, 4));
        Assert.Throws<ArgumentException>(() => PosEmbedResample.Resample(Tensor.Zeros(1, 17, 8), 1, 0, 4));
    }
}
