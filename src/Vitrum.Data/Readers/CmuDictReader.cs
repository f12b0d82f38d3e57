using System.Text;
using System.Text.Json;
using Vitrum.Data.Text;

namespace Vitrum.Data.Readers;

/// <summary>A CMUdict word with its distinct pronunciations (ARPAbet, stress digits removed), in file order.</summary>
public sealed record CmuWord(string Word, IReadOnlyList<string[]> Pronunciations);

/// <summary>The words of a dictionary file, sorted by word (ordinal), and how many were left out.</summary>
public sealed record CmuDictionary(IReadOnlyList<CmuWord> Words, int SkippedWords, int Entries);

/// <summary>
/// Reads the <c>index.js</c> of the cmu-pronouncing-dictionary package: a JavaScript module whose
/// <c>export const dictionary = {...}</c> is a JSON object from words to ARPAbet strings, e.g.
/// <c>"hello": "HH AH0 L OW1"</c>. Extra pronunciations are keys <c>word(2)</c>, <c>word(3)</c>...; a few
/// values end in a comment (<c>"AO1 L B AO0 R G # place, danish"</c>), which is dropped. Stress digits
/// are removed, so variants that differ only in stress become one. Words holding "." or "-" (about 1,100:
/// abbreviations such as "a.m." and compounds such as "a-okay", read letter by letter or part by part)
/// are skipped and counted; every other word must be lower-case letters and apostrophes.
/// </summary>
public static class CmuDictReader
{
    private static readonly HashSet<string> Phones = new(G2PVocab.Arpabet, StringComparer.Ordinal);
    private const string Skipped = ".-";

    public static CmuDictionary Read(string path) => Parse(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <summary>Parses the module text; <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="DataFormatException">the text is not such a module, or an entry is malformed</exception>
    public static CmuDictionary Parse(byte[] utf8, string name)
    {
        var marker = "dictionary = "u8;
        int found = utf8.AsSpan().IndexOf(marker);
        if (found < 0) throw new DataFormatException(name, "expected a JavaScript module with 'export const dictionary = {...}'");
        int start = found + marker.Length;
        var words = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        int entries = 0;
        var reader = new Utf8JsonReader(utf8.AsSpan(start), new JsonReaderOptions { AllowTrailingCommas = true });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new DataFormatException(name, $"line {Line(utf8, start)}: expected '{{' after 'dictionary ='");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                var at = new Where(utf8, start + (int)reader.TokenStartIndex, name);
                if (!reader.Read() || reader.TokenType != JsonTokenType.String) throw at.Error($"the pronunciation of '{key}' is not a string");
                string value = reader.GetString()!;
                entries++;
                string word = BaseWord(key, at);
                if (word.AsSpan().IndexOfAny(Skipped) >= 0) { skipped.Add(word); continue; }
                var phones = Pronunciation(value, key, at);
                if (!words.TryGetValue(word, out var list)) words[word] = list = new List<string[]>();
                if (!list.Any(p => p.AsSpan().SequenceEqual(phones))) list.Add(phones);
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw new DataFormatException(name, "the dictionary object is not closed");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(name, $"line {Line(utf8, start) + (int)(e.LineNumber ?? 0)}: not a valid dictionary object ({e.Message})", e);
        }
        if (words.Count == 0) throw new DataFormatException(name, "the dictionary holds no words");
        var sorted = words.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new CmuWord(kv.Key, kv.Value)).ToArray();
        return new CmuDictionary(sorted, skipped.Count, entries);
    }

    /// <summary>"word(2)" -> "word"; checks the characters.</summary>
    private static string BaseWord(string key, Where at)
    {
        string word = key;
        int open = key.LastIndexOf('(');
        if (open >= 0)
        {
            var n = key.AsSpan(open + 1);
            if (n.Length < 2 || n[^1] != ')' || !int.TryParse(n[..^1], out int v) || v < 1)
                throw at.Error($"entry '{key}' has a variant suffix that is not '(N)'");
            word = key[..open];
        }
        if (word.Length == 0) throw at.Error($"entry '{key}' has an empty word");
        foreach (var c in word)
            if (!G2PVocab.Letters.Contains(c) && !Skipped.Contains(c))
                throw at.Error($"entry '{key}' holds '{c}'; expected lower-case letters, \"'\", \".\" or \"-\"");
        return word;
    }

    /// <summary>"HH AH0 L OW1 # comment" -> [HH, AH, L, OW].</summary>
    private static string[] Pronunciation(string value, string key, Where at)
    {
        int hash = value.IndexOf('#');
        var parts = (hash >= 0 ? value[..hash] : value).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw at.Error($"entry '{key}' has an empty pronunciation");
        var phones = new string[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i];
            if (p.Length > 1 && p[^1] is '0' or '1' or '2') p = p[..^1];
            if (!Phones.Contains(p))
                throw at.Error($"entry '{key}' has '{parts[i]}', which is not an ARPAbet phoneme (with an optional stress digit 0-2)");
            phones[i] = p;
        }
        return phones;
    }

    /// <summary>An entry's position; the line number is counted only when an error is reported.</summary>
    private readonly record struct Where(byte[] Utf8, int Offset, string Name)
    {
        public DataFormatException Error(string problem) => new(Name, $"line {Line(Utf8, Offset)}: {problem}");
    }

    private static int Line(byte[] utf8, int offset)
    {
        int line = 1;
        foreach (var b in utf8.AsSpan(0, Math.Min(offset, utf8.Length))) if (b == (byte)'\n') line++;
        return line;
    }
}
