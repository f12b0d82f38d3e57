using System.Text.Json;

namespace Vitrum.Training;

/// <summary>
/// One epoch of a run, as metrics.jsonl holds it (one JSON object a line, snake_case keys as the CLI's --json):
/// <c>epoch, step, train_loss, train_accuracy</c> (or the task's key), the evaluation's metrics, <c>lr</c> (the base
/// rate of the epoch's last step), <c>clipped_steps</c> (steps whose gradient norm was clipped, when clipping is on),
/// <c>seconds</c> (the epoch's wall time, evaluation included) and the throughput of its training steps under the
/// task's key (<c>images_per_second</c>, <c>tokens_per_second</c>).
/// </summary>
/// <param name="ClippedSteps">how many of the epoch's steps had their gradient norm clipped; null when clipping is off</param>
public sealed record EpochRecord(int Epoch, long Step, double TrainLoss, double TrainAccuracy, IReadOnlyList<Metric> Eval, double Lr, double Seconds, double PerSecond,
    int? ClippedSteps = null)
{
    /// <summary>NaN and infinities (an evaluation of a broken model) are written as null rather than failing the run.</summary>
    public static readonly JsonSerializerOptions Json = FiniteJson.With(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    public string ToJson(string trainAccuracyKey, string throughputKey)
    {
        var d = new Dictionary<string, object> { ["epoch"] = Epoch, ["step"] = Step, ["train_loss"] = TrainLoss, [trainAccuracyKey] = TrainAccuracy };
        foreach (var m in Eval) d[m.Key] = m.Value;
        d["lr"] = Lr;
        if (ClippedSteps is int clipped) d["clipped_steps"] = clipped;
        d["seconds"] = Seconds;
        d[throughputKey] = PerSecond;
        return JsonSerializer.Serialize(d, Json);
    }

    /// <summary>The value of an evaluation metric.</summary>
    public double this[string key] => Eval.First(m => m.Key == key).Value;
}
