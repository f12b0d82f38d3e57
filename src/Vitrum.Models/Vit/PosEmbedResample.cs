using Vitrum.Tensors;

namespace Vitrum.Models.Vit;

/// <summary>timm's resample_abs_pos_embed: the grid part of [1, prefix + g*g, C] is resized bicubically (align_corners false), prefix tokens kept.</summary>
public static class PosEmbedResample
{
    /// <param name="posEmbed">[1, prefix + gOld*gOld, C]</param>
    /// <returns>[1, prefix + gh*gw, C]</returns>
    public static Tensor Resample(Tensor posEmbed, int prefixTokens, int gh, int gw)
    {
        int n = posEmbed.Shape[1] - prefixTokens, c = posEmbed.Shape[2];
        int g = (int)Math.Round(Math.Sqrt(n));
        if (g * g != n) throw new ArgumentException($"PosEmbedResample: {n} grid tokens in {ShapeUtil.Format(posEmbed.Shape)} do not form a square grid");
        var grid = posEmbed.Narrow(1, prefixTokens, n).Reshape(1, g, g, c).Permute(0, 3, 1, 2);
        var resized = Ops.Interpolate(grid, (gh, gw), InterpolateMode.Bicubic, alignCorners: false);
        var tokens = resized.Permute(0, 2, 3, 1).Reshape(1, gh * gw, c);
        return prefixTokens == 0 ? tokens : Ops.Cat(new[] { posEmbed.Narrow(1, 0, prefixTokens), tokens }, 1);
    }
}
