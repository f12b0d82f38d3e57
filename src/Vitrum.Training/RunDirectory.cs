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
/// atomically (temporary name, then rename), so a run killed at any moment leaves usable files.
/// </summary>
public sealed class RunDirectory
{
    private readonly Module _model;
    private readonly string _configJson;

    public string Dir { get; }
    public string CheckpointPath => Path.Combine(Dir, "last.ckpt.safetensors");
    public string MetricsPath => Path.Combine(Dir, "metrics.jsonl");
    public string ChartPath => Path.Combine(Dir, "chart.png");

    public RunDirectory(string dir, Module model, string configJson)
    {
        (Dir, _model, _configJson) = (dir, model, configJson);
        Directory.CreateDirectory(dir);
    }

    /// <summary>
    /// With <paramref name="resume"/> and a checkpoint present, restores model (weights and the generators of its
    /// dropout masks) and optimizer and returns the
    /// step and extras; otherwise starts afresh (an old metrics.jsonl is removed) and returns step 0.
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
        if (!resume && File.Exists(MetricsPath)) File.Delete(MetricsPath);
        return (0, new Dictionary<string, string>());
    }

    public void SaveState(Optimizer optimizer, long step, IReadOnlyDictionary<string, string> extra) =>
        TrainingCheckpoint.Save(CheckpointPath, _model, optimizer, new TrainingState(0, step, _model.RandomState(), _configJson, extra));

    /// <summary>Writes the model's weights to <paramref name="name"/> with the config, the epoch and <paramref name="meta"/>.</summary>
    public void SaveWeights(string name, int epoch, IReadOnlyDictionary<string, string> meta)
    {
        var all = new Dictionary<string, string>(meta) { ["config"] = _configJson, ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture) };
        SafetensorsWriter.Save(Path.Combine(Dir, name), _model.StateDict(), all);
    }

    /// <summary>metrics.jsonl's keys are snake_case (<c>test_accuracy</c>), as in the CLI's <c>--json</c> output.</summary>
    public static JsonSerializerOptions MetricsJson => EpochRecord.Json;

    /// <summary>Appends one line (a JSON object) to metrics.jsonl.</summary>
    public void AppendMetricsLine(string json) => File.AppendAllText(MetricsPath, json + "\n");

    /// <summary>Draws chart.png from every record of metrics.jsonl (a resumed run's earlier epochs included).</summary>
    public void SaveChart(RatePanel rates) => MetricsChart.Save(ChartPath, TrainingChart.Of(MetricsChart.ReadRows(MetricsPath), rates));

    /// <summary>A double for checkpoint metadata, written so it reads back exactly.</summary>
    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static double ParseOr(IReadOnlyDictionary<string, string> extra, string key, double fallback) =>
        extra.TryGetValue(key, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
