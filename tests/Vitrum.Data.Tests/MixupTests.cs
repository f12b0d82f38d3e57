using Vitrum.Data.Transforms;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>Mixup/CutMix against timm's formulas (timm/data/mixup.py): the mixed images, the corrected lambda and the soft targets.</summary>
public class MixupTests
{
    private static (Tensor X, Tensor Y, float[] X0) Batch(int b = 4, int c = 2, int h = 8, int w = 6)
    {
        var x = Tensor.Randn(new Generator(5), b, c, h, w);
        var y = Tensor.FromLongs(Enumerable.Range(0, b).Select(i => (long)(i * 3 % 5)).ToArray(), b);
        return (x, y, x.ToArray());
    }

    private static float Expected(double lam, long yi, long yr, int cls, double smoothing, int k)
    {
        double off = smoothing / k, on = 1 - smoothing + off;
        return (float)(lam * (cls == yi ? on : off) + (1 - lam) * (cls == yr ? on : off));
    }

    [Fact]
    public void Mixup_blends_each_image_with_the_reversed_batch_and_mixes_smoothed_targets()
    {
        var (x, y, x0) = Batch();
        var m = new Mixup(5, MixupAlpha: 0.8, CutmixAlpha: 0, LabelSmoothing: 0.1);
        var t = m.Apply(x, y, new Generator(11), out var mix);
        Assert.False(mix.Cutmix);
        Assert.InRange(mix.Lambda, 0, 0.9999);
        int chw = 2 * 8 * 6;
        var xs = x.ToArray();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < chw; j++)
                Assert.Equal(x0[i * chw + j] * mix.Lambda + x0[(3 - i) * chw + j] * (1 - mix.Lambda), xs[i * chw + j], 1e-5);
        var ys = y.ToLongArray();
        for (int i = 0; i < 4; i++)
        {
            for (int c = 0; c < 5; c++) Assert.Equal(Expected(mix.Lambda, ys[i], ys[3 - i], c, 0.1, 5), t.At(i, c), 1e-6f);
            Assert.Equal(1f, Enumerable.Range(0, 5).Sum(c => t.At(i, c)), 1e-5f);
        }
    }

    [Fact]
    public void Cutmix_pastes_a_box_from_the_reversed_batch_and_lambda_is_the_unpasted_area()
    {
        var (x, y, x0) = Batch(h: 16, w: 12);
        var m = new Mixup(5, MixupAlpha: 0, CutmixAlpha: 1.0, LabelSmoothing: 0);
        Mixup.Mix mix = default;
        Tensor t = null!;
        for (ulong seed = 1; seed < 50 && (mix.Y1 - mix.Y0) * (mix.X1 - mix.X0) == 0; seed++)
        {
            x0.CopyTo(x.AsSpan());
            t = m.Apply(x, y, new Generator(seed), out mix);
        }
        Assert.True(mix.Cutmix);
        int area = (mix.Y1 - mix.Y0) * (mix.X1 - mix.X0);
        Assert.True(area > 0);
        Assert.Equal(1 - area / (16.0 * 12), mix.Lambda, 12);
        var xs = x.ToArray();
        int chw = 2 * 16 * 12;
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 2; c++)
                for (int r = 0; r < 16; r++)
                    for (int q = 0; q < 12; q++)
                    {
                        bool inBox = r >= mix.Y0 && r < mix.Y1 && q >= mix.X0 && q < mix.X1;
                        int o = (c * 16 + r) * 12 + q;
                        Assert.Equal(x0[(inBox ? 3 - i : i) * chw + o], xs[i * chw + o]);
                    }
        var ys = y.ToLongArray();
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 5; c++) Assert.Equal(Expected(mix.Lambda, ys[i], ys[3 - i], c, 0, 5), t.At(i, c), 1e-6f);
    }

    [Fact]
    public void With_probability_zero_images_are_untouched_and_targets_are_smoothed_one_hots()
    {
        var (x, y, x0) = Batch();
        var t = new Mixup(5, Prob: 0, LabelSmoothing: 0.2).Apply(x, y, new Generator(1), out var mix);
        Assert.Equal(1.0, mix.Lambda);
        Assert.Equal(x0, x.ToArray());
        Assert.Equal(0.2f / 5 + 0.8f, t.At(1, (int)y.GetLong(1)), 1e-6f);
        Assert.Equal(0.2f / 5, t.At(1, ((int)y.GetLong(1) + 1) % 5), 1e-6f);
    }

    [Theory]
    [InlineData(0.8, 0.5)]
    [InlineData(2.0, 0.5)]
    public void Beta_draws_have_the_distribution_mean_and_variance(double a, double mean)
    {
        var g = new Generator(3);
        var s = Enumerable.Range(0, 40_000).Select(_ => Mixup.Beta(g, a, a)).ToArray();
        double m = s.Average(), v = s.Select(z => (z - m) * (z - m)).Average();
        Assert.Equal(mean, m, 2);
        Assert.Equal(a * a / (4 * a * a * (2 * a + 1)), v, 2);
        Assert.All(s, z => Assert.InRange(z, 0, 1));
    }

    [Fact]
    public void Odd_batches_and_bad_labels_are_refused()
    {
        var m = new Mixup(3);
        Assert.Throws<ArgumentException>(() => m.Apply(Tensor.Zeros(3, 1, 2, 2), Tensor.FromLongs(new long[] { 0, 1, 2 }, 3), new Generator(1), out _));
        Assert.Throws<ArgumentException>(() => m.Targets(Tensor.FromLongs(new long[] { 0, 7 }, 2), 0.5));
    }
}
