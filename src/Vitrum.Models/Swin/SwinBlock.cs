// Swin Transformer (Liu et al., 2021): the (shifted-)window block, keys as timm's SwinTransformerBlock, padding
// and shifting as torchvision 0.14's shifted_window_attention.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Swin;

/// <summary>
/// x = x + drop_path(window_attn(norm1(x))); x = x + drop_path(mlp(norm2(x))) on a [B, H, W, C] map. Every second
/// block of a stage shifts its windows by w/2 (a cyclic roll up and left, rolled back afterwards) with a mask
/// that keeps the rolled-in regions apart. A map that is not a multiple of the window is padded at the right
/// and bottom before the shift and cropped after it (torchvision; timm rolls before padding, which differs only
/// when the map is not a multiple of the window, never at timm's preset sizes). No shift happens along an axis
/// the window covers.
/// </summary>
public sealed class SwinBlock : Module<Tensor, Tensor>
{
    public LayerNorm Norm1 { get; }
    public WindowAttention Attn { get; }
    public LayerNorm Norm2 { get; }
    public Mlp Mlp { get; }
    /// <summary>Whether this block shifts its windows (odd blocks of a stage), where the map is larger than the window.</summary>
    public bool Shifted { get; }
    private readonly DropPath _dropPath;

    public SwinBlock(int dim, int numHeads, int window, bool shifted, SwinConfig c, double dropPath, Generator gen)
    {
        Shifted = shifted;
        Norm1 = RegisterModule("norm1", new LayerNorm(dim));
        Attn = RegisterModule("attn", new WindowAttention(dim, numHeads, window, c.QkvBias, (float)c.ProjDropRate, (float)c.AttnDropRate, gen));
        Norm2 = RegisterModule("norm2", new LayerNorm(dim));
        Mlp = RegisterModule("mlp", new Mlp(dim, (int)(dim * c.MlpRatio), drop: (float)c.ProjDropRate, gen: gen));
        _dropPath = RegisterModule("drop_path", new DropPath(dropPath, gen));
    }

    public int Window => Attn.Window;

    /// <summary>The probability of dropping each residual branch per image while training.</summary>
    public double DropPathRate => _dropPath.P;

    /// <summary>The shift along an axis of padded size <paramref name="padded"/>: w/2 in a shifting block, 0 where one window covers the axis.</summary>
    public int ShiftFor(int padded) => Shifted && Window < padded ? Window / 2 : 0;

    /// <param name="input">[B, H, W, C]</param>
    /// <returns>[B, H, W, C]</returns>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <param name="input">[B, H, W, C]</param>
    /// <param name="received">when given, receives <see cref="ReceivedAttention"/> of this block's windows</param>
    /// <returns>[B, H, W, C]</returns>
    public Tensor Forward(Tensor input, ICollection<Tensor>? received)
    {
        var normed = Norm1.Forward(input);
        received?.Add(ReceivedAttention(normed));
        var windows = ToWindows(normed, out var mask);
        var attendedWindows = Attn.ForwardWindows(windows, mask);
        var attended = FromWindows(attendedWindows, normed.Shape[1], normed.Shape[2]);
        var x = Ops.Add(input, _dropPath.Forward(attended));
        // Without gradients nothing else holds these (views of a released tensor keep their buffer alive).
        foreach (var t in new[] { normed, windows, attendedWindows, attended }) t.DisposeIfNoGrad();
        if (!_dropPath.IsIdentity) return Ops.Add(x, _dropPath.Forward(Mlp.Forward(Norm2.Forward(x))));
        // Stochastic depth off: the residual add is fc2's epilogue in inference (Linear.PackForInference).
        var normed2 = Norm2.Forward(x);
        var y = Mlp.Forward(normed2, x);
        normed2.DisposeIfNoGrad();
        return y;
    }

    /// <summary>
    /// The attention each token receives in its window (the unfused path): the mean over the heads and over the
    /// window's queries that lie on the map (not on padding) of the probability they give the token, put back on the
    /// token's place in the map (the shift undone, padding cropped). A query's probabilities sum to 1 over its window
    /// (keys rolled in from the far side get exp(-100) of it), so without padding the values of each window sum to 1;
    /// with padding, less by what the queries give the padding. Uniform attention gives 1 / w^2 everywhere on an
    /// unpadded map, shifted or not.
    /// </summary>
    /// <param name="normed">[B, H, W, C] (after norm1)</param>
    /// <returns>[B, H, W, 1]</returns>
    public Tensor ReceivedAttention(Tensor normed)
    {
        int b = normed.Shape[0], h = normed.Shape[1], w = normed.Shape[2], n = Window * Window;
        var probs = Attn.WindowProbabilities(ToWindows(normed, out var mask), mask);                 // [B*nW, heads, n, n]
        // 1 for the queries on the map, 0 for padding, windowed as the tokens are: [nW, n, 1]
        var onMap = ToWindows(Tensor.Ones(1, h, w, 1), out _);
        int nW = onMap.Shape[0];
        var weights = Ops.Div(onMap, Ops.Sum(onMap, 1, keepDim: true));
        var perQuery = Ops.Mean(probs, 1).Reshape(b, nW, n, n);                                       // [B, nW, query, key]
        var received = Ops.Sum(Ops.Mul(perQuery, weights), 2);                                        // [B, nW, key]
        return FromWindows(received.Reshape(b * nW, n, 1), h, w);
    }

    /// <summary>Pads a map to a multiple of the window, rolls it for a shifted block, and cuts it into windows.</summary>
    /// <param name="x">[B, H, W, C]</param>
    /// <param name="mask">the shift mask [nW, w*w, w*w] of a rolled map, else null</param>
    /// <returns>[B*nW, w*w, C]</returns>
    private Tensor ToWindows(Tensor x, out Tensor? mask)
    {
        var (hp, wp, sh, sw) = Layout(x.Shape[1], x.Shape[2]);
        if (hp > x.Shape[1] || wp > x.Shape[2]) x = Ops.Pad(x, new[] { 0, 0, 0, wp - x.Shape[2], 0, hp - x.Shape[1] });
        bool shift = sh + sw > 0;
        if (shift) x = Ops.Roll(x, new[] { -sh, -sw }, new[] { 1, 2 });
        mask = shift ? SwinWindows.ShiftMask(hp, wp, Window, sh, sw) : null;
        return SwinWindows.Partition(x, Window);
    }

    /// <summary>The inverse of <see cref="ToWindows"/>: joins the windows, rolls back and crops the padding.</summary>
    /// <param name="windows">[B*nW, w*w, C]</param>
    /// <param name="h">rows of the map before padding</param>
    /// <param name="w">columns of the map before padding</param>
    /// <returns>[B, H, W, C]</returns>
    private Tensor FromWindows(Tensor windows, int h, int w)
    {
        var (hp, wp, sh, sw) = Layout(h, w);
        var x = SwinWindows.Reverse(windows, Window, hp, wp);
        if (sh + sw > 0) x = Ops.Roll(x, new[] { sh, sw }, new[] { 1, 2 });
        return hp > h || wp > w ? x.Narrow(1, 0, h).Narrow(2, 0, w) : x;
    }

    /// <summary>The padded size (right and bottom, to a multiple of the window) and the shifts of an h x w map.</summary>
    private (int PaddedH, int PaddedW, int ShiftH, int ShiftW) Layout(int h, int w)
    {
        int hp = (h + Window - 1) / Window * Window, wp = (w + Window - 1) / Window * Window;
        return (hp, wp, ShiftFor(hp), ShiftFor(wp));
    }
}
