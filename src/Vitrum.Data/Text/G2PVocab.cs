namespace Vitrum.Data.Text;

/// <summary>
/// The grapheme and phoneme vocabularies of grapheme-to-phoneme conversion on CMUdict. Graphemes are the
/// 26 lower-case letters and the apostrophe (it is part of 8,000 CMUdict words such as "a's" and "'bout"
/// and changes their pronunciation); phonemes are the 39 ARPAbet symbols of CMUdict without stress digits.
/// Both start with the four special tokens of <see cref="Vocabulary"/>. Other characters are not encoded:
/// CMUdict words with "." or "-" are left out of the data (see <see cref="Readers.CmuDictReader"/>), and
/// a word to convert that holds one is refused.
/// </summary>
public static class G2PVocab
{
    public const string Letters = "abcdefghijklmnopqrstuvwxyz'";

    public static readonly string[] Arpabet =
    {
        "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH",
        "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
    };

    public static readonly Vocabulary Graphemes = new(Letters.Select(c => c.ToString()));
    public static readonly Vocabulary Phonemes = new(Arpabet);

    /// <summary>True when every character of <paramref name="word"/> is a grapheme (case-sensitive: lower case only).</summary>
    public static bool IsEncodable(string word)
    {
        foreach (var c in word) if (!Letters.Contains(c)) return false;
        return word.Length > 0;
    }

    /// <summary>The grapheme ids of a lower-case word (no bos/eos: the encoder reads the letters only).</summary>
    /// <exception cref="ArgumentException">the word is empty or holds a character outside a-z and "'"</exception>
    public static long[] EncodeWord(string word)
    {
        if (word.Length == 0) throw new ArgumentException("the word is empty");
        var ids = new long[word.Length];
        for (int i = 0; i < word.Length; i++)
        {
            int k = Letters.IndexOf(word[i]);
            if (k < 0) throw new ArgumentException($"'{word}': character '{word[i]}' (position {i + 1}) is not a letter a-z or an apostrophe");
            ids[i] = k + Vocabulary.Specials.Length;
        }
        return ids;
    }

    /// <summary>Phoneme ids of ARPAbet symbols without stress digits.</summary>
    /// <exception cref="ArgumentException">a symbol is not one of the 39</exception>
    public static long[] EncodePhonemes(IEnumerable<string> phonemes) =>
        phonemes.Select(p => Phonemes.TryId(p, out var id) && !Vocabulary.IsSpecial(id) ? id
            : throw new ArgumentException($"'{p}' is not an ARPAbet phoneme")).ToArray();

    /// <summary>"HH AH L OW" for decoded ids; decoding stops at the first eos, pads and bos are skipped.</summary>
    public static string DecodePhonemes(IEnumerable<long> ids)
    {
        var parts = new List<string>();
        foreach (var id in ids)
        {
            if (id == Vocabulary.Eos) break;
            if (id is Vocabulary.Pad or Vocabulary.Bos) continue;
            parts.Add(Phonemes.Symbol(id));
        }
        return string.Join(' ', parts);
    }
}
