using System.Text;
using System.Text.Json;

namespace Vitrum.Data.Coco;

/// <summary>Where a value sits in a COCO file, formatted only for an error: <c>annotations[12].bbox</c>, <c>[3].score</c>, <c>images</c>.</summary>
internal readonly record struct JsonPath(string List, int Index = -1, string Field = "")
{
    public JsonPath this[string field] => this with { Field = field };

    public override string ToString() =>
        (Index < 0 ? List : $"{List}[{Index}]") + (Field.Length == 0 ? "" : $".{Field}");
}

/// <summary>
/// Reads a COCO JSON file token by token (the whole of COCO train2017's annotations is 450 MB; a document tree of
/// it would need several times that), with typed reads that check each value. Every failure, a JSON syntax error
/// included, is a <see cref="DataFormatException"/> naming the file, the element and field, and what was expected.
/// </summary>
internal ref struct CocoJsonCursor
{
    private Utf8JsonReader _reader;
    private readonly string _file;

    /// <summary>The element being read, named by syntax errors found inside it.</summary>
    public JsonPath At;

    public CocoJsonCursor(ReadOnlySpan<byte> utf8, string file)
    {
        // Files saved by Windows editors may start with a byte order mark, which the JSON reader refuses.
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        _reader = new Utf8JsonReader(utf8);
        _file = file;
        At = new JsonPath("");
    }

    public readonly JsonTokenType Token => _reader.TokenType;

    /// <summary>Moves to the next token; the file must not end here.</summary>
    public void Next()
    {
        bool more;
        try { more = _reader.Read(); }
        catch (JsonException e) { throw Syntax(e); }
        if (!more) throw Error(At, "the file ends early");
    }

    /// <summary>Checks that nothing but white space follows the top-level value.</summary>
    public void End()
    {
        try
        {
            if (_reader.Read()) throw Error(new JsonPath(""), "unexpected content after the top-level value");
        }
        catch (JsonException e) { throw Syntax(e); }
    }

    /// <summary>Moves to the next property name of the current object; false at the object's end.</summary>
    public bool NextProperty()
    {
        Next();
        return Token != JsonTokenType.EndObject;
    }

    public readonly bool PropertyIs(ReadOnlySpan<byte> name) => _reader.ValueTextEquals(name);

    /// <summary>Skips the value of the current property, whatever it holds.</summary>
    public void SkipValue()
    {
        try { _reader.Skip(); }
        catch (JsonException e) { throw Syntax(e); }
    }

    /// <summary>Reads the start of an array of <paramref name="of"/>; then <see cref="NextObject"/> walks it.</summary>
    public void StartArray(JsonPath at, string of)
    {
        Next();
        if (Token != JsonTokenType.StartArray) throw Expected(at, $"an array of {of}");
    }

    /// <summary>Moves to the next element of the current array; false at its end. Objects are what COCO's lists hold.</summary>
    public bool NextObject(JsonPath at)
    {
        At = at with { Index = -1, Field = "" };
        Next();
        if (Token == JsonTokenType.EndArray) return false;
        if (Token != JsonTokenType.StartObject) throw Expected(at, "an object");
        At = at;
        return true;
    }

    public long Integer(JsonPath at)
    {
        Next();
        return Whole(out long v) ? v : throw Expected(at, "an integer");
    }

    public int PositiveInt(JsonPath at)
    {
        Next();
        return Whole(out long v) && v is > 0 and <= int.MaxValue ? (int)v : throw Expected(at, "a positive integer");
    }

    /// <summary>
    /// The current token as an integer, written as one or as a whole decimal ("640.0"): tools that write every number
    /// as a float produce such files, and Python's COCO API reads them.
    /// </summary>
    private readonly bool Whole(out long v)
    {
        v = 0;
        if (Token != JsonTokenType.Number) return false;
        if (_reader.TryGetInt64(out v)) return true;
        if (!_reader.TryGetDouble(out double d) || Math.Floor(d) != d || Math.Abs(d) > MaxWhole) return false;
        v = (long)d;
        return true;
    }

    /// <summary>2^53: above it a double no longer tells neighbouring integers apart.</summary>
    private const double MaxWhole = 9_007_199_254_740_992;

    public double Number(JsonPath at, bool nonNegative = false)
    {
        Next();
        return Token == JsonTokenType.Number && _reader.TryGetDouble(out double v) && double.IsFinite(v) && (!nonNegative || v >= 0)
            ? v : throw Expected(at, nonNegative ? "a finite number >= 0" : "a finite number");
    }

    /// <summary>0 or 1, as COCO writes flags (true and false are accepted too).</summary>
    public bool Flag(JsonPath at)
    {
        Next();
        if (Token is JsonTokenType.True or JsonTokenType.False) return Token == JsonTokenType.True;
        return Whole(out long v) && v is 0 or 1 ? v == 1 : throw Expected(at, "0 or 1");
    }

    /// <summary>A string; null (when <paramref name="nullable"/>) for JSON null.</summary>
    public string? Text(JsonPath at, bool nullable = false)
    {
        Next();
        if (nullable && Token == JsonTokenType.Null) return null;
        if (Token != JsonTokenType.String) throw Expected(at, "a string");
        try { return _reader.GetString(); }
        catch (InvalidOperationException) { throw Error(at, "expected a string of valid UTF-8 text"); }
    }

    /// <summary><c>[x, y, width, height]</c>: four finite numbers, the width and height not negative.</summary>
    public CocoBox Box(JsonPath at)
    {
        const string Shape = "[x, y, width, height]: 4 finite numbers";
        Next();
        if (Token != JsonTokenType.StartArray) throw Expected(at, Shape);
        Span<double> v = stackalloc double[4];
        int n = 0;
        for (Next(); Token != JsonTokenType.EndArray; Next())
        {
            if (n == 4) throw Error(at, $"expected {Shape}, got more");
            if (Token != JsonTokenType.Number || !_reader.TryGetDouble(out v[n]) || !double.IsFinite(v[n])) throw Expected(at, Shape);
            n++;
        }
        if (n < 4) throw Error(at, $"expected {Shape}, got {n}");
        if (v[2] < 0 || v[3] < 0) throw Error(at, FormattableString.Invariant($"width and height must be >= 0, got width {v[2]}, height {v[3]}"));
        return new CocoBox(v[0], v[1], v[2], v[3]);
    }

    public readonly DataFormatException Error(JsonPath at, string problem)
    {
        var where = at.ToString();
        return new DataFormatException(_file, where.Length == 0 ? problem : $"{where}: {problem}");
    }

    /// <summary>"images[3]: no field 'width' (a positive integer)".</summary>
    public readonly DataFormatException Missing(JsonPath element, string field, string what) => Error(element, $"no field '{field}' ({what})");

    /// <summary>"annotations[3].bbox: expected ..., got "abc"", naming the token the reader stands on.</summary>
    public readonly DataFormatException Expected(JsonPath at, string what) => Error(at, $"expected {what}, got {Got()}");

    private readonly DataFormatException Syntax(JsonException e)
    {
        var where = At.ToString();
        return new DataFormatException(_file, $"{(where.Length == 0 ? "" : $"in {where}: ")}not valid JSON ({e.Message})", e);
    }

    private readonly string Got() => Token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.EndArray => "the end of the array",
        JsonTokenType.EndObject => "the end of the object",
        JsonTokenType.Null => "null",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.String => $"\"{Clip(Encoding.UTF8.GetString(_reader.ValueSpan))}\"",
        _ => Clip(Encoding.UTF8.GetString(_reader.ValueSpan)),
    };

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
