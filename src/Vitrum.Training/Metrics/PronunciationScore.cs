using Vitrum.Training.Distributed;

namespace Vitrum.Training.Metrics;

/// <summary>
/// Word and phoneme error rates of predicted pronunciations against one or more references per word.
/// A word is correct when the prediction equals any of its references (WER = wrong words / words). For
/// PER the prediction is compared with its closest reference (the smallest edit distance; the first such
/// reference on ties) and PER = the sum of those distances / the sum of those references' lengths.
/// </summary>
public sealed class PronunciationScore
{
    public int Words { get; private set; }
    public int WrongWords { get; private set; }
    public long Edits { get; private set; }
    public long ReferenceLength { get; private set; }

    public double Wer => Words == 0 ? 0 : (double)WrongWords / Words;
    public double Per => ReferenceLength == 0 ? 0 : (double)Edits / ReferenceLength;

    /// <summary>Scores one word; returns the edit distance to its closest reference.</summary>
    public int Add(ReadOnlySpan<long> prediction, IReadOnlyList<long[]> references)
    {
        if (references.Count == 0) throw new ArgumentException("PronunciationScore: a word needs at least one reference pronunciation");
        int best = int.MaxValue, bestLen = 0;
        foreach (var r in references)
        {
            int d = EditDistance.Levenshtein(prediction, r);
            if (d < best) (best, bestLen) = (d, r.Length);
        }
        Words++;
        if (best > 0) WrongWords++;
        Edits += best;
        ReferenceLength += bestLen;
        return best;
    }

    /// <summary>Sums the counts over the ranks of a data-parallel run, each of which scored its shard of the words.</summary>
    public void SumOver(IProcessGroup group)
    {
        if (group.Size <= 1) return;
        var counts = new double[] { Words, WrongWords, Edits, ReferenceLength };
        group.Sum(counts);
        (Words, WrongWords, Edits, ReferenceLength) = ((int)Math.Round(counts[0]), (int)Math.Round(counts[1]), (long)Math.Round(counts[2]), (long)Math.Round(counts[3]));
    }
}
