using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Tnt;

/// <summary>
/// timm's TNT Block: an inner pre-norm transformer over the pixels of each patch (<c>norm_in, attn_in,
/// norm_mlp_in, mlp_in</c>), the pixels of each patch projected and added to its patch token (<c>norm1_proj,
/// proj, norm2_proj</c>; the class token untouched), then an outer pre-norm transformer over the patch tokens
/// (<c>norm_out, attn_out, norm_mlp, mlp</c>). One drop-path rate for all four residual branches.
/// </summary>
public sealed class TntBlock : Module
{
    private readonly LayerNorm _normIn, _normMlpIn, _norm1Proj, _normOut, _normMlp;
    private readonly LayerNorm? _norm2Proj;
    private readonly TntAttention _attnIn, _attnOut;
    private readonly Mlp _mlpIn, _mlp;
    private readonly Linear _proj;
    private readonly DropPath _dropPath;

    public TntBlock(TntConfig c, double dropPath, Generator gen)
    {
        int d = c.InnerDim, e = c.EmbedDim;
        _normIn = RegisterModule("norm_in", new LayerNorm(d));
        _attnIn = RegisterModule("attn_in", new TntAttention(d, c.NumHeadsInner, c.QkvBias, gen));
        _normMlpIn = RegisterModule("norm_mlp_in", new LayerNorm(d));
        _mlpIn = RegisterModule("mlp_in", new Mlp(d, 4 * d, gen: gen));
        // Legacy: a norm per pixel and a biased projection; current: one norm over the patch's pixels, an
        // unbiased projection and a norm of its output.
        _norm1Proj = RegisterModule("norm1_proj", new LayerNorm(c.Legacy ? d : d * c.NumPixels));
        _proj = RegisterModule("proj", new Linear(d * c.NumPixels, e, bias: c.Legacy, gen));
        if (!c.Legacy) _norm2Proj = RegisterModule("norm2_proj", new LayerNorm(e));
        _normOut = RegisterModule("norm_out", new LayerNorm(e));
        _attnOut = RegisterModule("attn_out", new TntAttention(e, c.NumHeadsOuter, c.QkvBias, gen));
        _dropPath = RegisterModule("drop_path", new DropPath(dropPath, gen));
        _normMlp = RegisterModule("norm_mlp", new LayerNorm(e));
        _mlp = RegisterModule("mlp", new Mlp(e, (int)(e * c.MlpRatio), gen: gen));
    }

    /// <param name="pixels">[B * num_patches, num_pixel, inner_dim]</param>
    /// <param name="patches">[B, 1 + num_patches, embed_dim], the class token first</param>
    /// <returns>both, updated</returns>
    public (Tensor Pixels, Tensor Patches) Forward(Tensor pixels, Tensor patches) => Forward(pixels, patches, null);

    /// <param name="pixels">[B * num_patches, num_pixel, inner_dim]</param>
    /// <param name="patches">[B, 1 + num_patches, embed_dim], the class token first</param>
    /// <param name="outerAttention">when given, receives the outer attention's probabilities [B, H, 1 + num_patches, 1 + num_patches]
    /// (the unfused path, beside the fused one the block runs)</param>
    /// <returns>both, updated</returns>
    public (Tensor Pixels, Tensor Patches) Forward(Tensor pixels, Tensor patches, ICollection<Tensor>? outerAttention)
    {
        pixels = Ops.Add(pixels, _dropPath.Forward(_attnIn.Forward(_normIn.Forward(pixels))));
        pixels = Ops.Add(pixels, _dropPath.Forward(_mlpIn.Forward(_normMlpIn.Forward(pixels))));

        int b = patches.Shape[0], n = patches.Shape[1] - 1;
        var fromPixels = _norm2Proj == null
            ? _proj.Forward(_norm1Proj.Forward(pixels).Reshape(b, n, -1))
            : _norm2Proj.Forward(_proj.Forward(_norm1Proj.Forward(pixels.Reshape(b, n, -1))));
        patches = Ops.Add(patches, Ops.Pad(fromPixels, new[] { 0, 0, 1, 0 }));                         // the class token gets 0

        var normed = _normOut.Forward(patches);
        outerAttention?.Add(_attnOut.Probabilities(normed));
        patches = Ops.Add(patches, _dropPath.Forward(_attnOut.Forward(normed)));
        patches = Ops.Add(patches, _dropPath.Forward(_mlp.Forward(_normMlp.Forward(patches))));
        return (pixels, patches);
    }
}
