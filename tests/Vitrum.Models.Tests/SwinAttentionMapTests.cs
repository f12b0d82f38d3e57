using Vitrum.Models.Swin;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>
/// A Swin's attention map (the last stage's window attention) against a computation token by token, its sums, and
/// its independence from the batch. The tiny model's last stage has one plain and one shifted block with window 4;
/// the image sizes give it maps with and without padding, and a shift along one axis only.
/// </summary>
public class SwinAttentionMapTests
{
    /// <summary>Two stages of window 4 (the second of one plain and one shifted block), width 8: 32x32 images give an 8x8 last stage.</summary>
    public static readonly SwinConfig Tiny = new()
    {
        ImgSize = 32, PatchSize = 2, NumClasses = 5, EmbedDim = 8, Depths = new[] { 1, 2 }, NumHeads = new[] { 1, 2 }, WindowSize = 4, DropPathRate = 0,
    };

    /// <summary>The tiny model with the last stage's attention weights and position tables drawn wide, so its maps are far from flat.</summary>
    private static SwinTransformer Model()
    {
        var model = new SwinTransformer(Tiny, seed: 3);
        var gen = new Generator(11);
        foreach (var (name, p) in model.NamedParameters())
            if (name.StartsWith("layers.1.blocks.", StringComparison.Ordinal) && name.Contains(".attn.", StringComparison.Ordinal))
                Tensor.Randn(gen, p.Shape).AsSpan().CopyTo(p.AsSpan());
        model.Eval();
        return model;
    }

    private static Tensor Image(int h, int w, ulong seed = 5) => Tensor.Randn(new Generator(seed), 1, 3, h, w);

    /// <summary>
    /// The map computed token by token: each block's windows gathered by index from the padded map rolled by the
    /// shift, probabilities from <see cref="Vitrum.Nn.Attention.Probabilities"/> (AttentionUnfused) with the relative
    /// position bias and the shift mask, each key's mean over heads and over the queries not on padding put back at
    /// the key's own place, averaged over the blocks and divided by the maximum.
    /// </summary>
    private static float[] ByHand(SwinTransformer model, Tensor image, out int h, out int w)
    {
        using var _ = GradMode.NoGrad();
        var x = model.Layers[0].Forward(model.Embed(image));
        var stage = model.Layers[^1];
        x = stage.Downsample!.Forward(x);
        (h, w) = (x.Shape[1], x.Shape[2]);
        int c = x.Shape[3];
        var sum = new double[h * w];
        foreach (var blk in stage.Blocks)
        {
            var normed = blk.Norm1.Forward(x).Contiguous().ToArray();
            int win = blk.Window, n = win * win, heads = blk.Attn.NumHeads;
            int hp = (h + win - 1) / win * win, wp = (w + win - 1) / win * win, windows = hp / win * (wp / win);
            int sh = blk.Shifted && win < hp ? win / 2 : 0, sw = blk.Shifted && win < wp ? win / 2 : 0;
            var tokens = new float[windows * n * c];
            var origin = new int[windows * n];                                 // index in the h x w map, -1 on padding
            for (int slot = 0; slot < windows * n; slot++)
            {
                int window = slot / n, yr = window / (wp / win) * win + slot % n / win, xr = window % (wp / win) * win + slot % win;
                int y = (yr + sh) % hp, xo = (xr + sw) % wp;                   // rolling by -shift moved (y, x) to (y - shift, x - shift)
                origin[slot] = y < h && xo < w ? y * w + xo : -1;
                if (origin[slot] >= 0) Array.Copy(normed, origin[slot] * c, tokens, slot * c, c);
            }
            var bias = blk.Attn.RelativePositionBias();
            if (sh + sw > 0) bias = Ops.Add(bias, SwinWindows.ShiftMask(hp, wp, win, sh, sw).Unsqueeze(1));
            var p = blk.Attn.Probabilities(Tensor.FromArray(tokens, windows, n, c), bias).Contiguous().ToArray();
            for (int window = 0; window < windows; window++)
            {
                var queries = Enumerable.Range(0, n).Where(i => origin[window * n + i] >= 0).ToArray();
                for (int j = 0; j < n; j++)
                {
                    if (origin[window * n + j] < 0) continue;
                    double received = 0;
                    for (int head = 0; head < heads; head++)
                        foreach (int i in queries) received += p[((window * heads + head) * n + i) * n + j];
                    sum[origin[window * n + j]] += received / (heads * queries.Length);
                }
            }
            x = blk.Forward(x);
        }
        double max = sum.Max();
        return sum.Select(v => (float)(v / max)).ToArray();
    }

    [Theory]
    [InlineData(32, 32, 8, 8)]   // 8x8 map: no padding, both axes shifted
    [InlineData(24, 20, 6, 5)]   // 6x5 map padded to 8x8, both axes shifted
    [InlineData(16, 40, 4, 10)]  // 4x10 map padded to 4x12: one window high, so shifted along the width only
    public void Map_equals_the_window_attention_computed_token_by_token(int height, int width, int rows, int cols)
    {
        var model = Model();
        var image = Image(height, width);
        var expected = ByHand(model, image, out int h, out int w);
        var map = model.MapAttention(image, 0);
        Assert.Equal((rows, cols), (h, w));
        Assert.Equal((rows, cols, SwinTransformer.AttentionKind), (map.Rows, map.Cols, map.Kind));
        Assert.Contains("mean of 2 blocks and 2 heads, window 4", map.Description);
        Assert.Equal(1f, map.Values.Max());
        for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], map.Values[k], 1e-5f);
        Assert.True(expected.Max() - expected.Min() > 0.2f, "the map is nearly flat: the check would miss misplaced values");
    }

    [Theory]
    [InlineData(32, 32, 4)]      // 8x8 map: 2x2 windows of 4
    [InlineData(16, 16, 1)]      // 4x4 map: one window, no shift
    public void Without_padding_each_window_receives_one_so_the_map_sums_to_the_window_count(int height, int width, int windows)
    {
        var received = Model().ReceivedAttention(Image(height, width));
        Assert.Equal(windows, received.ToArray().Sum(), 1e-4f);
    }

    [Fact]
    public void With_padding_the_map_sums_to_less_than_the_window_count_by_what_padding_receives()
    {
        var received = Model().ReceivedAttention(Image(24, 20)).ToArray();   // 6x5 tokens of 8x8 padded, 4 windows
        Assert.InRange(received.Sum(), 0.5f, 4f - 1e-3f);
        Assert.All(received, v => Assert.True(v > 0));
    }

    [Fact]
    public void Uniform_attention_gives_a_flat_map_in_plain_and_shifted_windows()
    {
        var model = Model();
        foreach (var blk in model.Layers[^1].Blocks)
            foreach (var p in new[] { blk.Attn.Qkv.Weight, blk.Attn.Qkv.Bias!, blk.Attn.RelativePositionBiasTable }) p.AsSpan().Clear();
        var received = model.ReceivedAttention(Image(32, 32)).ToArray();
        Assert.All(received, v => Assert.Equal(1f / 16, v, 1e-6f));
    }

    [Fact]
    public void The_map_of_an_image_does_not_depend_on_the_rest_of_its_batch()
    {
        var model = Model();
        var a = Image(24, 20, seed: 1);
        var b = Image(24, 20, seed: 2);
        var alone = model.MapAttention(b, 0).Values;
        var batched = model.MapAttention(Ops.Cat(new[] { a, b }, 0), 1).Values;
        for (int k = 0; k < alone.Length; k++) Assert.Equal(alone[k], batched[k], 1e-5f);
        Assert.NotEqual(model.MapAttention(a, 0).Values, alone);
    }
}
