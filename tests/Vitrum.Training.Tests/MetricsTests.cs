using Vitrum.Training.Metrics;
using Xunit;

namespace Vitrum.Training.Tests;

public class EditDistanceTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("", "ab", 2)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("flaw", "lawn", 2)]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "cba", 2)]
    public void Levenshtein_of_known_pairs(string a, string b, int expected)
    {
        Assert.Equal(expected, EditDistance.Levenshtein<char>(a, b));
        Assert.Equal(expected, EditDistance.Levenshtein<char>(b, a));
    }

    /// <summary>Against the textbook recursion on random short sequences over a 3-symbol alphabet.</summary>
    [Fact]
    public void Levenshtein_equals_the_recursive_definition()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 300; trial++)
        {
            var a = Enumerable.Range(0, rng.Next(7)).Select(_ => (long)rng.Next(3)).ToArray();
            var b = Enumerable.Range(0, rng.Next(7)).Select(_ => (long)rng.Next(3)).ToArray();
            Assert.Equal(Recursive(a, b), EditDistance.Levenshtein<long>(a, b));
        }
    }

    [Fact]
    public void Long_sequences_use_the_heap_buffer_and_agree()
    {
        var a = Enumerable.Range(0, 400).Select(i => (long)(i % 7)).ToArray();
        var b = a.Skip(1).Append(99L).ToArray();
        Assert.Equal(2, EditDistance.Levenshtein<long>(a, b));
    }

    private static int Recursive(ReadOnlySpan<long> a, ReadOnlySpan<long> b)
    {
        if (a.Length == 0) return b.Length;
        if (b.Length == 0) return a.Length;
        int sub = Recursive(a[1..], b[1..]) + (a[0] == b[0] ? 0 : 1);
        return Math.Min(sub, Math.Min(Recursive(a[1..], b), Recursive(a, b[1..])) + 1);
    }
}

public class PronunciationScoreTests
{
    [Fact]
    public void A_prediction_equal_to_any_reference_is_correct()
    {
        var s = new PronunciationScore();
        Assert.Equal(0, s.Add(new long[] { 5, 6 }, new[] { new long[] { 5, 7 }, new long[] { 5, 6 } }));
        Assert.Equal(0, s.Wer);
        Assert.Equal(0, s.Per);
    }

    /// <summary>PER takes the closest reference's distance and length: here 1 edit against the 3-long second reference.</summary>
    [Fact]
    public void Per_uses_the_closest_reference_and_its_length()
    {
        var s = new PronunciationScore();
        s.Add(new long[] { 4, 5, 9 }, new[] { new long[] { 7, 7, 7, 7, 7 }, new long[] { 4, 5, 6 } });
        s.Add(new long[] { 4 }, new[] { new long[] { 4 } });
        Assert.Equal(2, s.Words);
        Assert.Equal(0.5, s.Wer);
        Assert.Equal(1.0 / 4, s.Per);
        Assert.Equal(1, s.Edits);
        Assert.Equal(4, s.ReferenceLength);
    }

    [Fact]
    public void A_word_without_references_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new PronunciationScore().Add(new long[] { 4 }, Array.Empty<long[]>()));
    }
}
