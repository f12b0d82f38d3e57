using Vitrum.Tensors;

namespace Vitrum.Models.Vit;

/// <summary>
/// timm's resample_abs_pos_embed: the grid part of a [1, prefix + g*g, C] position embedding is resized to
/// another grid, the prefix (class) tokens kept. timm (>= 0.9) resizes with F.interpolate bicubic,
/// align_corners false, antialias true, both when loading a checkpoint and for dynamic image sizes. The
/// antialiased filter is PIL's: Keys' cubic with A = -0.5, widened by the scale when shrinking, weights
/// renormalized at the borders; it differs from plain bicubic (A = -0.75, borders repeated) even when
/// enlarging, so both are offered. The resize is two small matrix products, so gradients reach the
/// trained embedding.
/// </summary>
public static class PosEmbedResample
{
    /// <param name="posEmbed">[1, prefix + g*g, C] with a square source grid</param>
    /// <param name="antialias">timm's default (true); false gives F.interpolate's plain bicubic</param>
    /// <returns>[1, prefix + gh*gw, C]</returns>
    public static Tensor Resample(Tensor posEmbed, int prefixTokens, int gh, int gw, bool antialias = true)
    {
        if (posEmbed.Rank != 3 || posEmbed.Shape[0] != 1 || prefixTokens < 0 || prefixTokens > posEmbed.Shape[1])
            throw new ArgumentException($"PosEmbedResample: position embedding {ShapeUtil.Format(posEmbed.Shape)} is not [1, {prefixTokens} + grid, C]");
        if (gh <= 0 || gw <= 0) throw new ArgumentException($"PosEmbedResample: target grid {gh}x{gw} must be positive");
        int n = posEmbed.Shape[1] - prefixTokens, c = posEmbed.Shape[2];
        int g = (int)Math.Round(Math.Sqrt(n));
        if (n == 0 || g * g != n)
            throw new ArgumentException($"PosEmbedResample: {n} grid tokens in {ShapeUtil.Format(posEmbed.Shape)} (after {prefixTokens} prefix tokens) do not form a square grid");
        var grid = posEmbed.Narrow(1, prefixTokens, n);
        Tensor tokens;
        if (antialias)
        {
            var rows = Ops.MatMul(AntialiasedCubicWeights(g, gh), grid.Reshape(g, g * c)).Reshape(gh, g, c);  // [gh, g, C]
            tokens = Ops.MatMul(AntialiasedCubicWeights(g, gw), rows).Reshape(1, gh * gw, c);                  // [gh, gw, C]
        }
        else
        {
            var image = grid.Reshape(1, g, g, c).Permute(0, 3, 1, 2);
            tokens = Ops.Interpolate(image, (gh, gw), InterpolateMode.Bicubic, alignCorners: false).Permute(0, 2, 3, 1).Reshape(1, gh * gw, c);
        }
        return prefixTokens == 0 ? tokens : Ops.Cat(new[] { posEmbed.Narrow(1, 0, prefixTokens), tokens }, 1);
    }

    /// <summary>
    /// The [outSize, inSize] matrix of PyTorch's antialiased bicubic along one axis (align_corners false):
    /// output i is centred at scale (i + 0.5) in input pixels, taps reach support = 2 max(scale, 1), and
    /// the taps falling inside the input are renormalized to sum to one.
    /// </summary>
    internal static Tensor AntialiasedCubicWeights(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double support = 2 * Math.Max(scale, 1), invScale = scale >= 1 ? 1 / scale : 1;
        var w = new float[outSize * inSize];
        var taps = new double[inSize];
        for (int i = 0; i < outSize; i++)
        {
            double center = scale * (i + 0.5);
            // PyTorch truncates toward zero here (static_cast<int64_t>), then clamps to the input.
            int lo = Math.Max((int)(center - support + 0.5), 0), hi = Math.Min((int)(center + support + 0.5), inSize);
            double total = 0;
            for (int j = lo; j < hi; j++) total += taps[j] = Cubic((j - center + 0.5) * invScale);
            for (int j = lo; j < hi; j++) w[i * inSize + j] = (float)(total != 0 ? taps[j] / total : taps[j]);
        }
        return Tensor.FromArray(w, outSize, inSize);
    }

    /// <summary>Keys' cubic convolution kernel with A = -0.5 (PIL's and PyTorch's antialiased bicubic).</summary>
    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }
}
