using System.Text;
using Vitrum.Data;
using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Readers;
using Vitrum.Data.Text;
using Xunit;

namespace Vitrum.Data.Tests;

public class CmuDictReaderTests
{
    private static string Module(params string[] entries) =>
        "/** @type {{ [word: string]: string }} */\nexport const dictionary = {\n" + string.Join(",\n", entries.Select(e => "  " + e)) + "\n}\n";

    private static CmuDictionary Parse(string text) => CmuDictReader.Parse(Encoding.UTF8.GetBytes(text), "index.js");

    [Fact]
    public void Groups_variants_removes_stress_and_comments_and_skips_dotted_words()
    {
        var d = Parse(Module(
            "\"a\": \"AH0\"", "\"a(2)\": \"EY1\"", "\"a's\": \"EY1 Z\"", "\"a.m.\": \"EY2 EH1 M\"", "\"a-okay\": \"EY2 OW0 K EY1\"",
            "\"aalborg\": \"AO1 L B AO0 R G # place, danish\"", "\"read\": \"R IY1 D\"", "\"read(2)\": \"R EH1 D\"", "\"read(3)\": \"R IY2 D\""));
        Assert.Equal(new[] { "a", "a's", "aalborg", "read" }, d.Words.Select(w => w.Word));
        Assert.Equal(2, d.SkippedWords);
        Assert.Equal(9, d.Entries);
        Assert.Equal(new[] { new[] { "AH" }, new[] { "EY" } }, d.Words[0].Pronunciations);
        Assert.Equal(new[] { "AO", "L", "B", "AO", "R", "G" }, d.Words[2].Pronunciations.Single());
        Assert.Equal(2, d.Words[3].Pronunciations.Count); // "R IY2 D" equals "R IY1 D" without stress
    }

    [Theory]
    [InlineData("\"hello\": \"HH AH0 L QQ1\"", "line 4", "'QQ1'")]
    [InlineData("\"hello\": \"\"", "line 4", "empty pronunciation")]
    [InlineData("\"hello\": \"  # just a comment\"", "line 4", "empty pronunciation")]
    [InlineData("\"Hello\": \"HH AH0 L OW1\"", "line 4", "'H'")]
    [InlineData("\"hel1o\": \"HH AH0 L OW1\"", "line 4", "'1'")]
    [InlineData("\"hello(x)\": \"HH AH0 L OW1\"", "line 4", "'(N)'")]
    [InlineData("\"(2)\": \"HH\"", "line 4", "empty word")]
    [InlineData("\"hello\": 5", "line 4", "not a string")]
    public void Malformed_entries_name_the_file_line_and_problem(string entry, string line, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => Parse(Module("\"ok\": \"OW1 K EY1\"", entry)));
        Assert.Equal("index.js", e.File);
        Assert.Contains(line, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_file_that_is_not_the_module_or_is_cut_short_is_refused()
    {
        Assert.Contains("export const dictionary", Assert.Throws<DataFormatException>(() => Parse("{\"a\": \"AH0\"}")).Message);
        Assert.Contains("not a valid dictionary object", Assert.Throws<DataFormatException>(() => Parse("export const dictionary = {\n  \"a\": \"AH0\",\n  \"b\": ")).Message);
        Assert.Contains("no words", Assert.Throws<DataFormatException>(() => Parse("export const dictionary = {}")).Message);
    }
}

public class G2PVocabTests
{
    [Fact]
    public void Vocabularies_have_the_four_specials_then_graphemes_or_phonemes()
    {
        Assert.Equal(4 + 27, G2PVocab.Graphemes.Count);
        Assert.Equal(4 + 39, G2PVocab.Phonemes.Count);
        Assert.Equal(new[] { "<pad>", "<bos>", "<eos>", "<unk>" }, G2PVocab.Phonemes.Symbols.Take(4));
        Assert.Equal(new long[] { 4, 30, 29 }, G2PVocab.EncodeWord("a'z"));
    }

    [Fact]
    public void Words_with_other_characters_or_empty_are_refused()
    {
        Assert.Contains("'-' (position 2)", Assert.Throws<ArgumentException>(() => G2PVocab.EncodeWord("a-b")).Message);
        Assert.Contains("'A'", Assert.Throws<ArgumentException>(() => G2PVocab.EncodeWord("A")).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => G2PVocab.EncodeWord("")).Message);
        Assert.Throws<ArgumentException>(() => G2PVocab.EncodePhonemes(new[] { "AH0" }));
    }

    [Fact]
    public void Decoding_stops_at_eos_and_skips_bos_and_pad()
    {
        var ids = G2PVocab.EncodePhonemes("HH AH L OW".Split(' '));
        Assert.Equal("HH AH L OW", G2PVocab.DecodePhonemes(new[] { Vocabulary.Bos }.Concat(ids).Append(Vocabulary.Eos).Append(ids[0])));
    }
}

public class CmuDictSplitTests
{
    /// <summary>Published FNV-1a 64 test vectors.</summary>
    [Fact]
    public void Fnv1a64_matches_the_reference_values()
    {
        Assert.Equal(0xcbf29ce484222325UL, CmuDict.Fnv1a64(""));
        Assert.Equal(0xaf63dc4c8601ec8cUL, CmuDict.Fnv1a64("a"));
        Assert.Equal(0x85944171f73967e8UL, CmuDict.Fnv1a64("foobar"));
    }

    [Fact]
    public void Split_is_about_90_5_5_and_keeps_every_word_in_one_part()
    {
        var words = Enumerable.Range(0, 20000).Select(i => $"w{i}x").ToArray();
        var counts = words.GroupBy(CmuDict.PartOf).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(counts[CmuDict.Part.Train], 17700, 18300);
        Assert.InRange(counts[CmuDict.Part.Valid], 850, 1150);
        Assert.InRange(counts[CmuDict.Part.Test], 850, 1150);
        Assert.All(words, w => Assert.Equal(CmuDict.PartOf(w), CmuDict.PartOf(new string(w.ToCharArray()))));
    }
}

public class BucketBatcherTests
{
    private static (long[], long[])[] Pairs(int n, int seed = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ =>
            (Enumerable.Range(0, rng.Next(1, 15)).Select(_ => (long)rng.Next(4, 31)).ToArray(),
             Enumerable.Range(0, rng.Next(1, 15)).Select(_ => (long)rng.Next(4, 43)).ToArray())).ToArray();
    }

    [Fact]
    public void Every_pair_once_per_epoch_deterministic_for_a_seed_and_different_across_epochs()
    {
        var b = new BucketBatcher(Pairs(1000), 32, seed: 7);
        var plan = b.Plan(0);
        Assert.Equal(b.BatchesPerEpoch, plan.Length);
        Assert.Equal(Enumerable.Range(0, 1000), plan.SelectMany(x => x).Order());
        Assert.Equal(plan, new BucketBatcher(Pairs(1000), 32, seed: 7).Plan(0));
        Assert.NotEqual(plan, b.Plan(1));
        Assert.NotEqual(plan, new BucketBatcher(Pairs(1000), 32, seed: 8).Plan(0));
    }

    [Fact]
    public void Buckets_keep_padding_small()
    {
        var pairs = Pairs(3200);
        var b = new BucketBatcher(pairs, 32, seed: 1);
        long padded = 0, real = 0;
        foreach (var batch in b.Plan(0))
        {
            padded += batch.Length * batch.Max(i => pairs[i].Item1.Length);
            real += batch.Sum(i => pairs[i].Item1.Length);
        }
        Assert.True(real > 0.9 * padded, $"{real} real source tokens in {padded} padded slots");
    }

    [Fact]
    public void Batches_are_padded_with_bos_in_and_eos_out()
    {
        var pairs = new[] { (new long[] { 5, 6, 7 }, new long[] { 10 }), (new long[] { 8 }, new long[] { 11, 12 }) };
        using var batch = new BucketBatcher(pairs, 2, 0).Make(new[] { 0, 1 });
        Assert.Equal(new[] { 2, 3 }, batch.Src.Shape);
        Assert.Equal(new long[] { 5, 6, 7, 8, 0, 0 }, batch.Src.ToLongArray());
        Assert.Equal(new long[] { 1, 10, 0, 1, 11, 12 }, batch.TgtIn.ToLongArray());
        Assert.Equal(new long[] { 10, 2, 0, 11, 12, 2 }, batch.TgtOut.ToLongArray());
        Assert.Equal((4, 5), (batch.SrcTokens, batch.TgtTokens));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new BucketBatcher(Pairs(3), 0, 0));
        Assert.Throws<ArgumentException>(() => new BucketBatcher(Array.Empty<(long[], long[])>(), 4, 0));
    }
}
