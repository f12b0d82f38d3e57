using Vitrum.Data.Acquisition;
using Vitrum.Data.Readers;
using Vitrum.Data.Text;

namespace Vitrum.Data.Datasets;

/// <summary>One word to convert: its grapheme ids and every accepted pronunciation as phoneme ids (no bos/eos).</summary>
public sealed record G2PExample(string Word, long[] Letters, long[][] Pronunciations);

/// <summary>The three parts of a grapheme-to-phoneme data set.</summary>
public sealed record G2PData(IReadOnlyList<G2PExample> Train, IReadOnlyList<G2PExample> Valid, IReadOnlyList<G2PExample> Test, int SkippedWords);

/// <summary>
/// CMUdict (the CMU Pronouncing Dictionary, from the cmu-pronouncing-dictionary package; read by
/// <see cref="CmuDictReader"/>) for grapheme-to-phoneme conversion. The package has no split, so we fix
/// one by word: bucket = FNV-1a-64(UTF-8 bytes of the word) mod 100; buckets 0-89 train, 90-94
/// validation, 95-99 test. All pronunciations of a word land in the same part, so no test word is seen
/// in training, and the split does not depend on the order of the file or on .NET's randomized string hash.
/// Version 3.0.0 gives 112,370 / 6,231 / 6,319 words (120,231 training pairs).
/// </summary>
public static class CmuDict
{
    public enum Part { Train, Valid, Test }

    public static G2PData Load(Action<string>? log = null) =>
        FromDictionary(CmuDictReader.Read(Path.Combine(KnownPackages.CmuDict.Fetch(log), "index.js")));

    public static G2PData FromDictionary(CmuDictionary dict)
    {
        var parts = new[] { new List<G2PExample>(), new List<G2PExample>(), new List<G2PExample>() };
        foreach (var w in dict.Words)
        {
            var example = new G2PExample(w.Word, G2PVocab.EncodeWord(w.Word), w.Pronunciations.Select(G2PVocab.EncodePhonemes).ToArray());
            parts[(int)PartOf(w.Word)].Add(example);
        }
        return new G2PData(parts[0], parts[1], parts[2], dict.SkippedWords);
    }

    public static Part PartOf(string word)
    {
        ulong bucket = Fnv1a64(word) % 100;
        return bucket < 90 ? Part.Train : bucket < 95 ? Part.Valid : Part.Test;
    }

    /// <summary>FNV-1a, 64-bit, over the UTF-8 bytes: simple, stable across runs, machines and versions.</summary>
    public static ulong Fnv1a64(string s)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(s))
        {
            h ^= b;
            h *= 0x100000001b3UL;
        }
        return h;
    }
}
