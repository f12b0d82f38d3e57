using System.Globalization;

namespace Vitrum.Models;

/// <summary>
/// The layer ordinals of timm's group_matcher for layer-wise learning-rate decay, shared by the families whose
/// blocks sit in one list: stem parameters 0, <c>blocks.i</c> i + 1, the final <c>norm</c> with the last block (timm's
/// MATCH_PREV_GROUP), everything else (head, fc_norm) above them all.
/// </summary>
internal static class LayerIds
{
    /// <summary>The ordinal of parameters no rule matches: the head, as timm's unmatched "inf" group.</summary>
    public const int Top = int.MaxValue;

    /// <param name="stem">name prefixes of the embeddings (timm's "stem" pattern, matched at the start)</param>
    public static int OfBlocks(string parameter, int depth, IReadOnlyList<string> stem)
    {
        if (stem.Any(s => parameter.StartsWith(s, StringComparison.Ordinal))) return 0;
        if (Indexed(parameter, "blocks.") is int block) return block + 1;
        return parameter.StartsWith("norm", StringComparison.Ordinal) ? depth : Top;
    }

    /// <summary>N of a name that starts with <paramref name="prefix"/> followed by N and a dot, else null.</summary>
    public static int? Indexed(string parameter, string prefix, int from = 0)
    {
        if (string.CompareOrdinal(parameter, from, prefix, 0, prefix.Length) != 0) return null;
        int start = from + prefix.Length, end = parameter.IndexOf('.', start);
        return end > start && int.TryParse(parameter.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : null;
    }
}
