using System.Globalization;
using System.Text.Json;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;

namespace Vitrum.Nn.IO;

/// <summary>Where a training run stands: counters, the generator state, the model config and free-form extras.</summary>
public sealed record TrainingState(long Epoch, long Step, ulong[] Rng, string? ModelConfig = null, IReadOnlyDictionary<string, string>? Extra = null);

/// <summary>
/// One safetensors file that holds everything needed to resume: the model's state dict under
/// <c>model.KEY</c>, each optimizer state tensor under <c>optim.KEY.I</c>, and in the metadata the
/// counters, RNG state, per-parameter optimizer steps, group learning rates and the model config.
/// Written atomically, so a process killed at any moment leaves the previous checkpoint or the new one.
/// </summary>
public static class TrainingCheckpoint
{
    public const string Format = "vitrum-training-checkpoint/1";

    public static void Save(string path, Module model, Optimizer? optimizer, TrainingState state)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (k, v) in model.StateDict()) tensors.Add(new("model." + k, v));
        var steps = new Dictionary<string, long>();
        if (optimizer != null)
            foreach (var (k, p) in model.NamedParameters())
            {
                if (optimizer.StateOf(p) is not { } st) continue;
                steps[k] = st.Step;
                for (int i = 0; i < st.State.Length; i++) tensors.Add(new($"optim.{k}.{i}", st.State[i]));
            }
        var meta = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["epoch"] = state.Epoch.ToString(CultureInfo.InvariantCulture),
            ["step"] = state.Step.ToString(CultureInfo.InvariantCulture),
            ["rng"] = string.Join(",", state.Rng.Select(r => r.ToString(CultureInfo.InvariantCulture))),
            ["optimizer_steps"] = JsonSerializer.Serialize(steps),
            ["group_lrs"] = JsonSerializer.Serialize(optimizer?.Groups.Select(g => g.Lr).ToArray() ?? Array.Empty<double>()),
        };
        if (state.ModelConfig != null) meta["config"] = state.ModelConfig;
        if (state.Extra != null)
            foreach (var (k, v) in state.Extra) meta["extra." + k] = v;
        SafetensorsWriter.Save(path, tensors, meta);
    }

    /// <summary>Restores model (strictly) and optimizer state in place and returns the counters.</summary>
    public static TrainingState Load(string path, Module model, Optimizer? optimizer)
    {
        using var f = SafetensorsFile.Open(path);
        var name = Path.GetFileName(path);
        if (!f.Metadata.TryGetValue("format", out var fmt) || fmt != Format)
            throw new CheckpointFormatException(name, null, $"not a Vitrum training checkpoint (metadata format is '{fmt ?? "missing"}', expected '{Format}')");
        string Meta(string k) => f.Metadata.TryGetValue(k, out var v) ? v : throw new CheckpointFormatException(name, null, $"metadata '{k}' is missing");
        long Long(string k) => long.TryParse(Meta(k), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new CheckpointFormatException(name, null, $"metadata '{k}' is not an integer");
        var sd = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var e in f.Entries)
            if (e.Name.StartsWith("model.", StringComparison.Ordinal)) sd[e.Name["model.".Length..]] = f.Load(e.Name);
        model.LoadStateDict(sd);
        if (optimizer != null)
        {
            Dictionary<string, long> steps;
            try { steps = JsonSerializer.Deserialize<Dictionary<string, long>>(Meta("optimizer_steps")) ?? new(); }
            catch (JsonException e) { throw new CheckpointFormatException(name, null, "metadata 'optimizer_steps' is not a JSON object of integers", e); }
            var ps = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            foreach (var (k, step) in steps)
            {
                if (!ps.TryGetValue(k, out var p)) throw new CheckpointFormatException(name, k, "optimizer state for a parameter the model does not have");
                var st = new Tensor[optimizer.StateTensorCount];
                using (Vitrum.Tensors.Memory.TensorScope.Suppress())
                    for (int i = 0; i < st.Length; i++)
                    {
                        var key = $"optim.{k}.{i}";
                        if (!f.Contains(key)) throw new CheckpointFormatException(name, key, "optimizer state tensor is missing");
                        st[i] = f.Load(key);
                    }
                optimizer.SetState(p, st, step);
            }
            double[]? lrs;
            try { lrs = JsonSerializer.Deserialize<double[]>(Meta("group_lrs")); }
            catch (JsonException e) { throw new CheckpointFormatException(name, null, "metadata 'group_lrs' is not a JSON array", e); }
            if (lrs != null && lrs.Length == optimizer.Groups.Count)
                for (int i = 0; i < lrs.Length; i++) optimizer.Groups[i].Lr = lrs[i];
        }
        var rngText = Meta("rng").Split(',', StringSplitOptions.RemoveEmptyEntries); // "" when the run keeps no generator state
        var rng = new ulong[rngText.Length];
        for (int i = 0; i < rng.Length; i++)
            if (!ulong.TryParse(rngText[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out rng[i]))
                throw new CheckpointFormatException(name, null, "metadata 'rng' is not a list of integers");
        var extra = f.Metadata.Where(kv => kv.Key.StartsWith("extra.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["extra.".Length..], kv => kv.Value);
        return new TrainingState(Long("epoch"), Long("step"), rng, f.Metadata.GetValueOrDefault("config"), extra);
    }
}
