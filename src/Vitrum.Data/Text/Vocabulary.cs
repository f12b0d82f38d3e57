namespace Vitrum.Data.Text;

/// <summary>
/// A token vocabulary: the four special tokens every sequence model here uses (ids 0 <c>&lt;pad&gt;</c>,
/// 1 <c>&lt;bos&gt;</c>, 2 <c>&lt;eos&gt;</c>, 3 <c>&lt;unk&gt;</c>), then the symbols in the given order.
/// </summary>
public sealed class Vocabulary
{
    public const long Pad = 0, Bos = 1, Eos = 2, Unk = 3;
    public static readonly string[] Specials = { "<pad>", "<bos>", "<eos>", "<unk>" };

    private readonly string[] _symbols;
    private readonly Dictionary<string, long> _ids;

    public Vocabulary(IEnumerable<string> symbols)
    {
        _symbols = Specials.Concat(symbols).ToArray();
        _ids = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < _symbols.Length; i++)
            if (!_ids.TryAdd(_symbols[i], i)) throw new ArgumentException($"Vocabulary: symbol '{_symbols[i]}' appears twice");
    }

    /// <summary>Number of tokens, specials included (the model's vocabulary size).</summary>
    public int Count => _symbols.Length;

    /// <summary>Every token, id order, specials first.</summary>
    public IReadOnlyList<string> Symbols => _symbols;

    public bool TryId(string symbol, out long id) => _ids.TryGetValue(symbol, out id);

    public string Symbol(long id) => id >= 0 && id < _symbols.Length ? _symbols[id]
        : throw new ArgumentOutOfRangeException(nameof(id), $"token id {id} is outside the vocabulary of {_symbols.Length} tokens");

    /// <summary>True for pad/bos/eos/unk.</summary>
    public static bool IsSpecial(long id) => id is >= 0 and < 4;
}
