// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); PositionEmbeddingSine of
// facebookresearch/detr's models/position_encoding.py, as build_position_encoding makes it (normalize=True).
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// The Transformer's sinusoidal encoding over the image's own extent: a cell's y (x) is the count of unpadded cells
/// above (left of) it and itself, divided by the column's (row's) total + 1e-6 and scaled by 2 pi, so every image spans
/// [0, 2 pi] whatever its padding. Feature k of num_pos_feats is sin (k even) or cos (k odd) of the coordinate over
/// temperature^(2 floor(k / 2) / num_pos_feats); the y features come first, then the x features. No parameters, and
/// no gradient: it depends on the mask only. Computed in float32 as PyTorch computes it.
/// </summary>
public sealed class PositionEmbeddingSine : PositionEmbedding
{
    public int NumPosFeats { get; }
    public float Temperature { get; }
    public float Scale { get; }
    private const float Eps = 1e-6f;

    public PositionEmbeddingSine(int numPosFeats, float temperature = 10000, float scale = 2 * MathF.PI)
    {
        if (numPosFeats <= 0 || numPosFeats % 2 != 0) throw new ArgumentException($"PositionEmbeddingSine: num_pos_feats must be positive and even (sin/cos pairs), got {numPosFeats}");
        (NumPosFeats, Temperature, Scale) = (numPosFeats, temperature, scale);
    }

    /// <inheritdoc/>
    public override Tensor Forward(PaddingMask mask)
    {
        int b = mask.Batch, h = mask.Height, w = mask.Width, f = NumPosFeats;
        var dimT = new float[f];
        for (int k = 0; k < f; k++) dimT[k] = MathF.Pow(Temperature, 2f * (k / 2) / f);
        var pos = new float[b * 2 * f * h * w];
        var yEmbed = new float[h * w];
        var xEmbed = new float[h * w];
        for (int n = 0; n < b; n++)
        {
            var flags = mask.Flags.AsSpan(n * h * w, h * w);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float valid = flags[y * w + x] ? 0 : 1;
                    yEmbed[y * w + x] = (y > 0 ? yEmbed[(y - 1) * w + x] : 0) + valid;
                    xEmbed[y * w + x] = (x > 0 ? xEmbed[y * w + x - 1] : 0) + valid;
                }
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float ey = yEmbed[y * w + x] / (yEmbed[(h - 1) * w + x] + Eps) * Scale;
                    float ex = xEmbed[y * w + x] / (xEmbed[y * w + w - 1] + Eps) * Scale;
                    for (int k = 0; k < f; k++)
                    {
                        float ay = ey / dimT[k], ax = ex / dimT[k];
                        pos[((n * 2 * f + k) * h + y) * w + x] = k % 2 == 0 ? MathF.Sin(ay) : MathF.Cos(ay);
                        pos[((n * 2 * f + f + k) * h + y) * w + x] = k % 2 == 0 ? MathF.Sin(ax) : MathF.Cos(ax);
                    }
                }
        }
        return Tensor.FromArray(pos, b, 2 * f, h, w);
    }
}
