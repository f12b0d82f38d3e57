using System.Globalization;
using System.Text.Json;
using Vitrum.Nn;
using Vitrum.Nn.IO;
using Vitrum.Nn.Optim;

namespace Vitrum.Training;

/// <summary>
/// The files of one training run in its output folder, shared by the trainers: <c>last.ckpt.safetensors</c>
/// (model, optimizer state, step and the run's extras: everything needed to resume), weight files such
/// as <c>best.safetensors</c> and <c>last.safetensors</c> with the model config in their metadata (enough
/// to rebuild the model), <c>metrics.jsonl</c> (one JSON object per epoch) and its drawing <c>chart.png</c>. Every file is written
/// atomically (temporary name, then rename), so a run killed at any moment leaves usable files. A run holds the
/// folder's <see cref="RunLock"/> from <see cref="Open"/> to <see cref="Dispose"/>; a new run refuses a folder that holds
/// an earlier run's files unless it resumes that run or overwrites it.
/// </summary>
public sealed class RunDirectory : IDisposable
{
    /// <summary>The files a run writes, besides <c>epoch-N.safetensors</c>: a folder holding any of them holds a run.</summary>
    public static readonly string[] RunFiles = { "last.ckpt.safetensors", "last.safetensors", "best.safetensors", "averaged.safetensors", "metrics.jsonl", "chart.png" };

    private const string EpochFilePattern = "epoch-*.safetensors";

    private readonly Module _model;
    private readonly string _configJson;
    private readonly RunLock? _lock;

    /// <summary>Whether this process writes the run's files: in a data-parallel run rank 0 alone does, the others only read (resume, best weights).</summary>
    public bool Writes => _lock != null;

    public string Dir { get; }
    public string CheckpointPath => Path.Combine(Dir, "last.ckpt.safetensors");
    public string MetricsPath => Path.Combine(Dir, "metrics.jsonl");
    public string ChartPath => Path.Combine(Dir, "chart.png");

    private RunDirectory(string dir, Module model, string configJson, RunLock? runLock) =>
        (Dir, _model, _configJson, _lock) = (dir, model, configJson, runLock);

    /// <summary>
    /// Takes <paramref name="dir"/> (created if missing) for a run: locks it, refuses it when it holds an earlier run that
    /// is neither resumed (<paramref name="resume"/> with a checkpoint there) nor replaced (<paramref name="overwrite"/>:
    /// the earlier run's files, and only those, are removed first).
    /// </summary>
    /// <param name="writer">false for the ranks of a data-parallel run other than 0: they neither lock nor change the folder, and every Save is skipped</param>
    /// <exception cref="RunFolderException">another run holds the folder, or it holds an earlier run</exception>
    public static RunDirectory Open(string dir, Module model, string configJson, bool resume, bool overwrite, Action<string>? log, bool writer = true)
    {
        if (!writer)
        {
            if (Directory.Exists(dir)) ThrowIfOccupied(dir, resume, overwrite);
            return new RunDirectory(dir, model, configJson, null);
        }
        Directory.CreateDirectory(dir);
        var runLock = RunLock.Acquire(dir, log);
        try
        {
            ThrowIfOccupied(dir, resume, overwrite);
            if (overwrite)
            {
                var old = ExistingRunFiles(dir);
                foreach (var f in old) File.Delete(Path.Combine(dir, f));
                if (old.Count > 0) log?.Invoke($"--overwrite: removed {old.Count} files of the earlier run in {dir} ({string.Join(", ", old)})");
            }
            return new RunDirectory(dir, model, configJson, runLock);
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What <see cref="Open"/> would refuse, checked without taking or changing anything: lets a caller refuse a folder
    /// before it loads its data.
    /// </summary>
    /// <exception cref="RunFolderException">another run holds the folder, or it holds an earlier run</exception>
    public static void ThrowIfUnavailable(string dir, bool resume, bool overwrite)
    {
        if (!Directory.Exists(dir)) return;
        RunLock.ThrowIfHeld(dir);
        ThrowIfOccupied(dir, resume, overwrite);
    }

    /// <summary>The run files (<see cref="RunFiles"/>, <c>epoch-N.safetensors</c>) in <paramref name="dir"/>, by name.</summary>
    public static List<string> ExistingRunFiles(string dir) =>
        RunFiles.Where(f => File.Exists(Path.Combine(dir, f)))
            .Concat(Directory.EnumerateFiles(dir, EpochFilePattern).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal))
            .ToList();

    private static void ThrowIfOccupied(string dir, bool resume, bool overwrite)
    {
        if (resume && overwrite) throw new ArgumentException("--resume continues the run in the folder and --overwrite replaces it: give one of them");
        if (overwrite || (resume && File.Exists(Path.Combine(dir, RunFiles[0])))) return;
        var files = ExistingRunFiles(dir);
        if (files.Count == 0) return;
        var held = string.Join(", ", files.Take(4)) + (files.Count > 4 ? $" and {files.Count - 4} more" : "");
        throw new RunFolderException(resume
            ? $"{dir} holds a run ({held}) but no checkpoint to resume ({RunFiles[0]}): add --overwrite instead of --resume to replace it"
            : $"{dir} already holds a run ({held}): add --resume to continue it or --overwrite to replace it");
    }

    /// <summary>
    /// With <paramref name="resume"/> and a checkpoint present, restores model (weights and the generators of its
    /// dropout masks) and optimizer and returns the step and extras; otherwise starts afresh (saying so when
    /// <paramref name="resume"/> found nothing to resume) and returns step 0.
    /// </summary>
    public (long Step, IReadOnlyDictionary<string, string> Extra) Begin(Optimizer optimizer, bool resume, Action<string>? log)
    {
        if (resume && File.Exists(CheckpointPath))
        {
            var st = TrainingCheckpoint.Load(CheckpointPath, _model, optimizer);
            _model.LoadRandomState(st.Rng);
            log?.Invoke($"resumed from {CheckpointPath} at step {st.Step}");
            return (st.Step, st.Extra ?? new Dictionary<string, string>());
        }
        if (resume) log?.Invoke($"--resume: {Dir} holds no checkpoint ({Path.GetFileName(CheckpointPath)}) to resume; starting afresh");
        return (0, new Dictionary<string, string>());
    }

    public void SaveState(Optimizer optimizer, long step, IReadOnlyDictionary<string, string> extra)
    {
        if (Writes) TrainingCheckpoint.Save(CheckpointPath, _model, optimizer, new TrainingState(0, step, _model.RandomState(), _configJson, extra));
    }

    /// <summary>Writes the model's weights to <paramref name="name"/> with the config, the epoch and <paramref name="meta"/>.</summary>
    public void SaveWeights(string name, int epoch, IReadOnlyDictionary<string, string> meta)
    {
        if (!Writes) return;
        var all = new Dictionary<string, string>(meta) { ["config"] = _configJson, ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture) };
        SafetensorsWriter.Save(Path.Combine(Dir, name), _model.StateDict(), all);
    }

    /// <summary>metrics.jsonl's keys are snake_case (<c>val_accuracy</c>), as in the CLI's <c>--json</c> output; non-finite figures are null.</summary>
    public static JsonSerializerOptions MetricsJson => EpochRecord.Json;

    /// <summary>Appends one line (a JSON object) to metrics.jsonl.</summary>
    public void AppendMetricsLine(string json)
    {
        if (Writes) File.AppendAllText(MetricsPath, json + "\n");
    }

    /// <summary>Draws chart.png from every record of metrics.jsonl (a resumed run's earlier epochs included).</summary>
    public void SaveChart(RatePanel rates)
    {
        if (Writes) MetricsChart.Save(ChartPath, TrainingChart.Of(MetricsChart.ReadRows(MetricsPath), rates));
    }

    /// <summary>A double for checkpoint metadata, written so it reads back exactly.</summary>
    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static double ParseOr(IReadOnlyDictionary<string, string> extra, string key, double fallback) =>
        extra.TryGetValue(key, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose() => _lock?.Dispose();
}
