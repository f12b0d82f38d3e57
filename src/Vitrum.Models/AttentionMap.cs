namespace Vitrum.Models;

/// <summary>Where an image model looks, over its grid of tokens (patches, or the last stage's map), with what the values are.</summary>
/// <param name="Values">[Rows * Cols] row-major, in [0, 1]: divided by the largest value</param>
/// <param name="Rows">token rows; row r covers image rows [r * H / Rows, (r + 1) * H / Rows)</param>
/// <param name="Cols">token columns</param>
/// <param name="Kind">the method, for machines ("rollout", "last-stage window attention")</param>
/// <param name="Description">the method and what it ran over, for people ("attention rollout over 12 blocks")</param>
public sealed record AttentionMap(float[] Values, int Rows, int Cols, string Kind, string Description)
{
    /// <summary>A map of <paramref name="values"/> divided by their maximum (left as they are when none is positive).</summary>
    /// <exception cref="ArgumentException">the values do not fill the grid</exception>
    public static AttentionMap Scaled(float[] values, int rows, int cols, string kind, string description)
    {
        if (values.Length != rows * cols)
            throw new ArgumentException($"AttentionMap: {values.Length} values for a {rows}x{cols} grid");
        float max = values.Max();
        var scaled = max > 0 ? values.Select(v => v / max).ToArray() : values;
        return new AttentionMap(scaled, rows, cols, kind, description);
    }
}
