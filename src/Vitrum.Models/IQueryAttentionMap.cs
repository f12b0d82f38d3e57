using Vitrum.Models.Detr;
using Vitrum.Tensors;

namespace Vitrum.Models;

/// <summary>
/// Where each object query of a detector looked: the last decoder layer's cross-attention over the feature map,
/// averaged over the heads (the maps of DETR's paper, figure 6), beside the detector's outputs of the same forward.
/// </summary>
/// <param name="Output">the detector's predictions for the batch</param>
/// <param name="Maps">[B, Q, Rows, Cols]: each query's attention over the cells of the feature map (a row sums to 1 over the image's cells, 0 on padding)</param>
/// <param name="Rows">feature-map rows; row r covers rows [r * H / Rows, (r + 1) * H / Rows) of the padded input</param>
/// <param name="Cols">feature-map columns</param>
public sealed record QueryAttentionMap(DetrOutput Output, Tensor Maps, int Rows, int Cols);

/// <summary>
/// A detector that can show where its object queries attend: the optional capability <c>vitrum attention</c> asks a
/// detection model for, as <see cref="IAttentionMap"/> for classifiers.
/// </summary>
public interface IQueryAttentionMap
{
    /// <summary>
    /// One no-grad forward that reads the last decoder layer's cross-attention probabilities on the unfused path next to
    /// the model's own (fused) computation, which it leaves unchanged. Dropout follows the module's mode: call
    /// <c>Eval()</c> first for the maps of inference.
    /// </summary>
    QueryAttentionMap MapQueryAttention(ImageBatch input);
}
