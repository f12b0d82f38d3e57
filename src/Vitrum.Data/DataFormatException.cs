namespace Vitrum.Data;

/// <summary>A data file is malformed; the message names the file and what was expected.</summary>
public sealed class DataFormatException(string file, string problem, Exception? inner = null)
    : FormatException($"{file}: {problem}", inner)
{
    public string File { get; } = file;
}
