using System.Globalization;

namespace Vitrum.Cli;

/// <summary>Thrown for bad command-line usage or input; the CLI prints its message as one line and exits 2.</summary>
public sealed class CliException(string message) : Exception(message);

/// <summary>
/// Minimal GNU-style options: <c>--name value</c>, <c>--name=value</c> and boolean <c>--flag</c>.
/// Every option must be consumed by the command, so a typo is an error rather than silently ignored.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    public List<string> Positional { get; } = new();

    public CliArgs(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a == "--") { Positional.Add(a); continue; }
            var name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal)) value = list[++i];
            if (!_options.TryAdd(name, value)) throw new CliException($"option --{name} given twice");
        }
    }

    /// <summary>Applies <c>--threads T</c> (default: one per core) to the process-wide worker pool.</summary>
    public void ApplyThreads() => Vitrum.Tensors.Threading.WorkerPool.ThreadCount = Int("threads", Environment.ProcessorCount, 1, 256);

    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return false;
        if (v != null) { Positional.Add(v); _options[name] = null; }
        return true;
    }

    public string? String(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return null;
        return v ?? throw new CliException($"option --{name} needs a value");
    }

    public string Required(string name) => String(name) ?? throw new CliException($"missing required option --{name}");

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = String(name);
        if (s == null) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new CliException($"option --{name} expects an integer, got '{s}'");
        if (v < min || v > max) throw new CliException($"option --{name} must be in [{min}, {max}], got {v}");
        return v;
    }

    public double Double(string name, double fallback)
    {
        var s = String(name);
        if (s == null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new CliException($"option --{name} expects a number, got '{s}'");
        return v;
    }

    /// <summary>Fails on options the command did not read (a misspelt option must not pass silently).</summary>
    public void EnsureAllUsed()
    {
        foreach (var k in _options.Keys)
            if (!_used.Contains(k)) throw new CliException($"unknown option --{k}");
    }
}
