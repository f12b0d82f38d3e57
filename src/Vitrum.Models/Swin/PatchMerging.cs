// Swin Transformer (Liu et al., 2021): patch merging, keys as timm's swin_transformer.PatchMerging.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Swin;

/// <summary>
/// Halves the map and doubles the channels: each 2x2 group of tokens is concatenated in the order (0,0), (1,0),
/// (0,1), (1,1) as (row, column) offsets (timm's reshape and torchvision's x0..x3 agree), normalized
/// (<c>norm</c>, LayerNorm(4C)) and projected (<c>reduction</c>, Linear 4C -> 2C without bias). An odd map is
/// padded by one row or column of zeros first.
/// </summary>
public sealed class PatchMerging : Module<Tensor, Tensor>
{
    public LayerNorm Norm { get; }
    public Linear Reduction { get; }

    public PatchMerging(int dim, Generator gen)
    {
        Norm = RegisterModule("norm", new LayerNorm(4 * dim));
        Reduction = RegisterModule("reduction", new Linear(4 * dim, 2 * dim, bias: false, gen));
    }

    /// <param name="input">[B, H, W, C]</param>
    /// <returns>[B, ceil(H/2), ceil(W/2), 2C]</returns>
    public override Tensor Forward(Tensor input)
    {
        int b = input.Shape[0], h = input.Shape[1], w = input.Shape[2], c = input.Shape[3];
        var x = h % 2 + w % 2 > 0 ? Ops.Pad(input, new[] { 0, 0, 0, w % 2, 0, h % 2 }) : input;
        h += h % 2;
        w += w % 2;
        // [B, H/2, row offset, W/2, column offset, C] -> [B, H/2, W/2, column offset, row offset, C]
        x = x.Reshape(b, h / 2, 2, w / 2, 2, c).Permute(0, 1, 3, 4, 2, 5).Reshape(b, h / 2, w / 2, 4 * c);
        return Reduction.Forward(Norm.Forward(x));
    }
}
