namespace Vitrum.Training;

/// <summary>The outcome of a run.</summary>
/// <param name="Epochs">epochs completed (a run stopped mid-epoch counts the epoch it stopped in)</param>
/// <param name="Seconds">wall time of the whole run, resumed parts included</param>
/// <param name="TrainSeconds">the part spent in training epochs, resumed parts included</param>
/// <param name="PerSecond">throughput of this part's training steps, in the task's unit</param>
/// <param name="Best">the best value of the task's goal metric (its <see cref="MetricGoal.Worst"/> if none was measured)</param>
/// <param name="LastEval">the last epoch's evaluation (null if none ran)</param>
/// <param name="Test">the final test (empty when interrupted, or when the per-epoch evaluation is the test)</param>
public sealed record TrainResult(int Epochs, long Steps, double Seconds, double TrainSeconds, double PerSecond, bool Interrupted, bool TimeLimitReached,
    double Best, IReadOnlyList<Metric>? LastEval, IReadOnlyList<Metric> Test)
{
    /// <summary>A metric of the final test, else of the last evaluation; NaN when neither has it.</summary>
    public double this[string key] =>
        Test.Concat(LastEval ?? Array.Empty<Metric>()).Where(m => m.Key == key).Select(m => m.Value).DefaultIfEmpty(double.NaN).First();
}
