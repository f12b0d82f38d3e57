namespace Vitrum.Training;

/// <summary>The outcome of a run.</summary>
/// <param name="Epochs">epochs completed (an epoch cut short by the time budget counts; one cut short by an interruption does not)</param>
/// <param name="Seconds">wall time of the whole run, resumed parts included</param>
/// <param name="TrainSeconds">the part spent in training epochs, resumed parts included</param>
/// <param name="PerSecond">throughput of this part's training steps, in the task's unit</param>
/// <param name="Best">the best value of the task's goal metric (its <see cref="MetricGoal.Worst"/> if none was measured)</param>
/// <param name="BestEpoch">the epoch whose weights are best.safetensors (0 when none were saved; -1 when the average of the last epochs won)</param>
/// <param name="LastEval">the last epoch's evaluation (null if none ran)</param>
/// <param name="Test">the final test of the best weights (empty when interrupted, or when the task has no test split)</param>
/// <param name="FinalTest">the final test of the weights the run ended with, for tasks that score both (<see cref="ITrainingTask{TBatch}.TestsFinalWeights"/>); else empty</param>
public sealed record TrainResult(int Epochs, long Steps, int BatchesPerEpoch, double Seconds, double TrainSeconds, double PerSecond, bool Interrupted, bool TimeLimitReached,
    double Best, int BestEpoch, IReadOnlyList<Metric>? LastEval, IReadOnlyList<Metric> Test, IReadOnlyList<Metric> FinalTest)
{
    /// <summary>A metric of the final test (best weights), else of the last evaluation; NaN when neither has it.</summary>
    public double this[string key] => Of(Test.Concat(LastEval ?? Array.Empty<Metric>()), key);

    /// <summary>A metric of the test of the final weights; NaN when it was not measured.</summary>
    public double Final(string key) => Of(FinalTest, key);

    /// <summary>Which weights best.safetensors holds: "epoch 7", "the average of the last epochs", or "none".</summary>
    public string BestSource => BestEpoch switch { -1 => "the average of the last epochs", 0 => "none", _ => $"epoch {BestEpoch}" };

    /// <summary>Where the run stopped: "after epoch 3 (step 1407)" or "in epoch 4 at step 1500 (batch 93 of 469)".</summary>
    public string StoppedAt()
    {
        long batch = Steps % Math.Max(1, BatchesPerEpoch);
        return batch == 0
            ? $"after epoch {Steps / Math.Max(1, BatchesPerEpoch)} (step {Steps})"
            : $"in epoch {Steps / BatchesPerEpoch + 1} at step {Steps} (batch {batch} of {BatchesPerEpoch})";
    }

    private static double Of(IEnumerable<Metric> metrics, string key) =>
        metrics.Where(m => m.Key == key).Select(m => m.Value).DefaultIfEmpty(double.NaN).First();
}
