using System.Globalization;

namespace Vitrum.Training;

/// <summary>One named figure of an evaluation (<c>test_accuracy</c>, <c>valid_wer</c>); a rate is shown as a percentage.</summary>
/// <param name="Label">how people read the key ("valid WER"); the key with spaces when null</param>
public readonly record struct Metric(string Key, double Value, bool IsRate, string? Label = null)
{
    /// <summary>"test accuracy 97.12 %" / "test loss 0.1234".</summary>
    public override string ToString() => string.Format(CultureInfo.InvariantCulture, IsRate ? "{0} {1:P2}" : "{0} {1:F4}", Label ?? Key.Replace('_', ' '), Value);
}

/// <summary>Which metric picks the best weights, and whether higher or lower is better.</summary>
public readonly record struct MetricGoal(string Key, bool HigherIsBetter)
{
    /// <summary>The value every real one beats.</summary>
    public double Worst => HigherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;

    public bool IsBetter(double candidate, double best) => HigherIsBetter ? candidate > best : candidate < best;

    /// <summary>The goal's value in <paramref name="metrics"/>.</summary>
    /// <exception cref="InvalidOperationException">the evaluation did not report it</exception>
    public double Of(IReadOnlyList<Metric> metrics)
    {
        foreach (var m in metrics) if (m.Key == Key) return m.Value;
        throw new InvalidOperationException($"the evaluation reported no '{Key}' (it gave {string.Join(", ", metrics.Select(m => m.Key))})");
    }
}
