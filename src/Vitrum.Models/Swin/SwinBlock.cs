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
    public override Tensor Forward(Tensor input)
    {
        var x = Ops.Add(input, _dropPath.Forward(AttendInWindows(Norm1.Forward(input))));
        return Ops.Add(x, _dropPath.Forward(Mlp.Forward(Norm2.Forward(x))));
    }

    /// <summary>Pad, shift, attend within windows, shift back, crop.</summary>
    /// <param name="x">[B, H, W, C] (normalized)</param>
    private Tensor AttendInWindows(Tensor x)
    {
        int h = x.Shape[1], w = x.Shape[2], win = Window;
        int padB = (win - h % win) % win, padR = (win - w % win) % win;
        if (padB + padR > 0) x = Ops.Pad(x, new[] { 0, 0, 0, padR, 0, padB });
        int hp = h + padB, wp = w + padR;
        int sh = ShiftFor(hp), sw = ShiftFor(wp);
        bool shift = sh + sw > 0;
        if (shift) x = Ops.Roll(x, new[] { -sh, -sw }, new[] { 1, 2 });
        var mask = shift ? SwinWindows.ShiftMask(hp, wp, win, sh, sw) : null;
        x = SwinWindows.Reverse(Attn.ForwardWindows(SwinWindows.Partition(x, win), mask), win, hp, wp);
        if (shift) x = Ops.Roll(x, new[] { sh, sw }, new[] { 1, 2 });
        return padB + padR > 0 ? x.Narrow(1, 0, h).Narrow(2, 0, w) : x;
    }
}
