namespace Vitrum.Training.Metrics;

/// <summary>Levenshtein distance: the fewest insertions, deletions and substitutions turning one sequence into another.</summary>
public static class EditDistance
{
    /// <summary>Two-row dynamic programme, O(|a|·|b|) time and O(|b|) memory (stack for short sequences).</summary>
    public static int Levenshtein<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : IEquatable<T>
    {
        if (a.Length == 0) return b.Length;
        if (b.Length == 0) return a.Length;
        Span<int> buffer = b.Length < 256 ? stackalloc int[2 * (b.Length + 1)] : new int[2 * (b.Length + 1)];
        var prev = buffer[..(b.Length + 1)];
        var cur = buffer[(b.Length + 1)..];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int sub = prev[j - 1] + (a[i - 1].Equals(b[j - 1]) ? 0 : 1);
                cur[j] = Math.Min(sub, Math.Min(prev[j], cur[j - 1]) + 1);
            }
            var t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.Length];
    }
}
