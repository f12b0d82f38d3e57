using Vitrum.Data.Loading;
using Vitrum.Models;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;

namespace Vitrum.Training.Tests;

/// <summary>
/// An image task with faults put in on purpose: a NaN loss, or a finite loss with a NaN gradient (the square root of a
/// zero that depends on the weights), at one step; or validation accuracies fixed per epoch. Everything else is the task's own.
/// </summary>
public sealed class RiggedTask(ITrainingTask<Batch> inner) : ITrainingTask<Batch>
{
    public long? NanLossAtStep { get; init; }
    public long? NanGradientAtStep { get; init; }
    /// <summary>The val_accuracy the n-th evaluation (from 0) reports instead of the measured one.</summary>
    public Func<int, double>? ValAccuracy { get; init; }

    private int _evaluations;

    public ModelInstance Model => inner.Model;
    public string Unit => inner.Unit;
    public string ThroughputKey => inner.ThroughputKey;
    public string TrainAccuracyKey => inner.TrainAccuracyKey;
    public MetricGoal Goal => inner.Goal;
    public RatePanel ChartRates => inner.ChartRates;
    public int BatchesPerEpoch => inner.BatchesPerEpoch;
    public IReadOnlyDictionary<string, string> WeightsMetadata => inner.WeightsMetadata;
    public bool TestsFinalWeights => inner.TestsFinalWeights;
    public Optimizer CreateOptimizer() => inner.CreateOptimizer();
    public LrSchedule CreateSchedule() => inner.CreateSchedule();
    public IEnumerable<Batch> Epoch(int epoch, int skip) => inner.Epoch(epoch, skip);
    public IReadOnlyList<Metric> Test(CancellationToken ct) => inner.Test(ct);

    public BatchLoss Loss(Batch batch, long step)
    {
        var b = inner.Loss(batch, step);
        if (step == NanLossAtStep) return b with { Loss = b.Loss * float.NaN };
        if (step == NanGradientAtStep)
        {
            var w = Model.Module.Parameters().First();
            return b with { Loss = b.Loss + Ops.Sqrt(Ops.Sum(w - w)) };
        }
        return b;
    }

    public IReadOnlyList<Metric> Evaluate()
    {
        var measured = inner.Evaluate();
        int n = _evaluations++;
        return ValAccuracy == null ? measured : measured.Select(m => m.Key == Goal.Key ? m with { Value = ValAccuracy(n) } : m).ToArray();
    }
}
