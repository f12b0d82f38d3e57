// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); the masks of facebookresearch/detr's
// models/backbone.py (BackboneBase.forward) and models/transformer.py.
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>Which cells of a batch of maps (images or feature maps) are padding, as DETR's boolean masks.</summary>
/// <param name="Flags">[Batch * Height * Width], true = padding</param>
public sealed record PaddingMask(bool[] Flags, int Batch, int Height, int Width)
{
    /// <summary>
    /// The mask at another size by nearest-neighbour sampling, DETR's <c>F.interpolate(m[None].float(), size).bool()</c>:
    /// output cell i reads input cell min(floor(i * (in / out)), in - 1), the scale computed in float32 as PyTorch 1.13's
    /// nearest_idx does (exact for equal and doubled sizes).
    /// </summary>
    public PaddingMask Resize(int height, int width)
    {
        var rows = NearestIndices(Height, height);
        var cols = NearestIndices(Width, width);
        var flags = new bool[Batch * height * width];
        for (int b = 0; b < Batch; b++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    flags[(b * height + y) * width + x] = Flags[(b * Height + rows[y]) * Width + cols[x]];
        return new PaddingMask(flags, Batch, height, width);
    }

    private static int[] NearestIndices(int input, int output)
    {
        var index = new int[output];
        float scale = (float)input / output;
        for (int i = 0; i < output; i++)
            index[i] = output == input ? i : output == 2 * input ? i >> 1 : Math.Min((int)MathF.Floor(i * scale), input - 1);
        return index;
    }

    /// <summary>The flattened maps' key padding mask for attention: Int64 [Batch, Height * Width], 1 = padding.</summary>
    public Tensor KeyPadding() => Tensor.FromLongs(Array.ConvertAll(Flags, f => f ? 1L : 0L), Batch, Height * Width);

    /// <summary>True when some cell is padding (a batch without any needs no attention mask).</summary>
    public bool Any => Array.IndexOf(Flags, true) >= 0;
}
