using System.Globalization;
using System.Text.RegularExpressions;

namespace Vitrum.Nn;

/// <summary>
/// Reads the likely cause of a state dict that does not fit a module from its key names alone, so that the error
/// says what to do rather than listing hundreds of keys: a wrapper or prefix around the weights ("model.",
/// "module."), a prefix the module has and the checkpoint lacks, another number of blocks, another class count
/// in the head, or another width of the same architecture. Architecture-specific layouts (torchvision's names)
/// are recognised by the model families, which know them.
/// </summary>
public static partial class StateDictDiagnosis
{
    /// <summary>Entries under which training scripts store a state dict: <c>{'model': sd}</c> (DeiT), <c>{'state_dict': sd}</c>, EMA copies.</summary>
    private static readonly HashSet<string> Entries = new(StringComparer.Ordinal) { "model", "state_dict", "model_ema", "state_dict_ema", "ema", "net", "network", "params", "weights" };

    [GeneratedRegex(@"^(.*?)\.(\d+)\.")]
    private static partial Regex NumberedChild();

    /// <summary>The first cause the keys show, or null.</summary>
    /// <param name="own">the module's keys</param>
    /// <param name="state">the checkpoint's keys</param>
    public static string? Cause(IReadOnlyList<string> own, IReadOnlyList<string> state, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<ShapeMismatch> mismatched) =>
        CheckpointPrefix(missing, unexpected) ?? ModelPrefix(missing, unexpected) ?? Depth(own, state) ?? Head(missing, unexpected, mismatched) ?? Widths(missing, unexpected, mismatched);

    /// <summary>A prefix (one or two name parts) whose removal turns at least half the unexpected keys into missing ones.</summary>
    private static string? CheckpointPrefix(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected)
    {
        if (Covering(unexpected, missing) is not { } p) return null;
        var head = p.TrimEnd('.');
        if (head == "module") return "the checkpoint's keys carry a 'module.' prefix (saved from DataParallel or DistributedDataParallel)";
        if (head == "_orig_mod") return "the checkpoint's keys carry an '_orig_mod.' prefix (saved from a torch.compile'd model)";
        if (Entries.Contains(head)) return $"the file holds a '{head}' entry (a training checkpoint): the weights are its keys under '{p}'";
        return $"the checkpoint's keys carry a '{p}' prefix the model's lack";
    }

    /// <summary>A prefix whose removal turns at least half the missing keys into unexpected ones: the model is nested deeper than the checkpoint.</summary>
    private static string? ModelPrefix(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected) =>
        Covering(missing, unexpected) is { } p ? $"the model's keys carry a '{p}' prefix the checkpoint's lack" : null;

    private static string? Covering(IReadOnlyList<string> prefixed, IReadOnlyList<string> bare)
    {
        if (prefixed.Count == 0 || bare.Count == 0) return null;
        var targets = new HashSet<string>(bare, StringComparer.Ordinal);
        var candidates = prefixed.SelectMany(Prefixes).Distinct(StringComparer.Ordinal);
        foreach (var p in candidates.OrderBy(p => p.Length))
        {
            int hits = prefixed.Count(k => k.StartsWith(p, StringComparison.Ordinal) && targets.Contains(k[p.Length..]));
            if (hits * 2 >= Math.Max(bare.Count, 1) && hits > 0) return p;
        }
        return null;
    }

    /// <summary>"a." and "a.b." of "a.b.c.weight".</summary>
    private static IEnumerable<string> Prefixes(string key)
    {
        int first = key.IndexOf('.');
        if (first <= 0) yield break;
        yield return key[..(first + 1)];
        int second = key.IndexOf('.', first + 1);
        if (second > first + 1) yield return key[..(second + 1)];
    }

    /// <summary>A numbered list of children ("blocks.N.", "layers.N.") with another length in the checkpoint than in the model.</summary>
    private static string? Depth(IReadOnlyList<string> own, IReadOnlyList<string> state)
    {
        var inModel = Lengths(own);
        var inCheckpoint = Lengths(state);
        foreach (var (list, n) in inModel)
            if (inCheckpoint.TryGetValue(list, out var m) && m != n)
                return $"another depth: the checkpoint has {m} '{list}', the model {n} (a checkpoint of another size of this architecture?)";
        return null;
    }

    /// <summary>For each numbered list of children, one more than its largest index.</summary>
    private static Dictionary<string, int> Lengths(IEnumerable<string> keys)
    {
        var lengths = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var m = NumberedChild().Match(key);
            if (!m.Success || m.Groups[1].Value.Length == 0) continue;
            int n = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 1;
            lengths[m.Groups[1].Value] = Math.Max(n, lengths.GetValueOrDefault(m.Groups[1].Value));
        }
        return lengths;
    }

    /// <summary>Only one child's tensors differ, and only in their first dimension: a classifier for another number of classes.</summary>
    private static string? Head(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<ShapeMismatch> mismatched)
    {
        if (missing.Count > 0 || unexpected.Count > 0 || mismatched.Count == 0) return null;
        var owner = Owner(mismatched[0].Key);
        bool firstDimOnly = mismatched.All(m => Owner(m.Key) == owner && m.Checkpoint.Length == m.Model.Length && m.Checkpoint.Length > 0
            && m.Checkpoint.AsSpan(1).SequenceEqual(m.Model.AsSpan(1)));
        if (!firstDimOnly) return null;
        return $"only '{owner}' differs: {mismatched[0].Checkpoint[0]} outputs in the checkpoint, {mismatched[0].Model[0]} in the model (a checkpoint for another number of classes?)";
    }

    /// <summary>The module a key belongs to: the key without its last part.</summary>
    private static string Owner(string key) => key.LastIndexOf('.') is > 0 and var dot ? key[..dot] : key;

    private static string? Widths(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<ShapeMismatch> mismatched) =>
        missing.Count == 0 && unexpected.Count == 0 && mismatched.Count > 0
            ? "the same keys with other shapes: a checkpoint of another width of this architecture"
            : null;
}
