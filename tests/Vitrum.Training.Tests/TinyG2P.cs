using Vitrum.Data.Datasets;
using Vitrum.Data.Text;
using Vitrum.Models.Transformer;

namespace Vitrum.Training.Tests;

/// <summary>
/// A small synthetic grapheme-to-phoneme task that needs context, for training tests that run in seconds:
/// words over 8 letters; "sh" and "ch" are one phoneme each, a final "e" is silent, other letters map to
/// one phoneme each. Every tenth word also has a second pronunciation (its vowels as AH).
/// </summary>
internal static class TinyG2P
{
    private const string Alphabet = "abcehost";
    private static readonly Dictionary<char, string> Single = new()
    {
        ['a'] = "AE", ['b'] = "B", ['c'] = "K", ['e'] = "EH", ['h'] = "HH", ['o'] = "AA", ['s'] = "S", ['t'] = "T",
    };

    public static TransformerConfig Config(int dModel = 32) => new()
    {
        SrcVocabSize = G2PVocab.Graphemes.Count, TgtVocabSize = G2PVocab.Phonemes.Count, DModel = dModel, NHead = 2,
        NumEncoderLayers = 1, NumDecoderLayers = 1, DimFeedforward = 2 * dModel, Dropout = 0, PadId = 0, NormFirst = true, MaxLen = 16,
    };

    public static string[] Pronounce(string word)
    {
        var p = new List<string>();
        for (int i = 0; i < word.Length; i++)
        {
            if (i + 1 < word.Length && word[i + 1] == 'h' && word[i] is 's' or 'c') { p.Add(word[i] == 's' ? "SH" : "CH"); i++; }
            else if (i == word.Length - 1 && word[i] == 'e' && i > 0) { }
            else p.Add(Single[word[i]]);
        }
        return p.ToArray();
    }

    public static G2PData Data(int trainWords, int testWords, int seed = 1)
    {
        var rng = new Random(seed);
        var words = new HashSet<string>();
        while (words.Count < trainWords + 2 * testWords)
            words.Add(new string(Enumerable.Range(0, rng.Next(2, 7)).Select(_ => Alphabet[rng.Next(Alphabet.Length)]).ToArray()));
        var examples = words.Order(StringComparer.Ordinal).Select((w, i) =>
        {
            var main = G2PVocab.EncodePhonemes(Pronounce(w));
            var prons = i % 10 == 0 ? new[] { main, G2PVocab.EncodePhonemes(Pronounce(w).Select(p => p is "AE" or "EH" or "AA" ? "AH" : p)) } : new[] { main };
            return new G2PExample(w, G2PVocab.EncodeWord(w), prons);
        }).ToArray();
        var shuffled = examples.OrderBy(_ => rng.Next()).ToArray();
        return new G2PData(shuffled[..trainWords], shuffled[trainWords..(trainWords + testWords)], shuffled[(trainWords + testWords)..], 0);
    }
}
