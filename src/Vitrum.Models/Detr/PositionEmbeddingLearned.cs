// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); PositionEmbeddingLearned of
// facebookresearch/detr's models/position_encoding.py.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// Learned absolute positions: a table of 50 column embeddings and one of 50 row embeddings (keys
/// <c>col_embed.weight</c>, <c>row_embed.weight</c>, [50, num_pos_feats], uniform [0, 1) at init as DETR's); a cell
/// gets its column's features then its row's, the same for every image whatever its padding. Feature maps are at most
/// 50 x 50 cells.
/// </summary>
public sealed class PositionEmbeddingLearned : PositionEmbedding
{
    public const int MaxCells = 50;
    public Embedding RowEmbed { get; }
    public Embedding ColEmbed { get; }

    public PositionEmbeddingLearned(int numPosFeats, Generator gen)
    {
        RowEmbed = RegisterModule("row_embed", new Embedding(MaxCells, numPosFeats, gen: gen));
        ColEmbed = RegisterModule("col_embed", new Embedding(MaxCells, numPosFeats, gen: gen));
        Init.Uniform(RowEmbed.Weight, 0, 1, gen);
        Init.Uniform(ColEmbed.Weight, 0, 1, gen);
    }

    /// <inheritdoc/>
    public override Tensor Forward(PaddingMask mask)
    {
        int b = mask.Batch, h = mask.Height, w = mask.Width, f = RowEmbed.Weight.Shape[1];
        if (h > MaxCells || w > MaxCells)
            throw new ArgumentException($"PositionEmbeddingLearned: a {h} x {w} feature map exceeds the {MaxCells} x {MaxCells} cells of row_embed and col_embed");
        var cols = ColEmbed.Weight.Narrow(0, 0, w).Unsqueeze(0).Expand(h, w, f);
        var rows = RowEmbed.Weight.Narrow(0, 0, h).Unsqueeze(1).Expand(h, w, f);
        return Ops.Cat(new[] { cols, rows }, 2).Permute(2, 0, 1).Unsqueeze(0).Expand(b, 2 * f, h, w);
    }
}
