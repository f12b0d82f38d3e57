namespace Vitrum.Training;

/// <summary>One line of a chart panel: its legend text and one value per epoch (NaN where it has none).</summary>
public sealed record ChartSeries(string Label, IReadOnlyList<double> Values);

/// <summary>One panel of a chart: its title, the label of its value axis and its lines.</summary>
/// <param name="Percent">the values are fractions, shown as percentages</param>
public sealed record ChartPanel(string Title, string YLabel, IReadOnlyList<ChartSeries> Series, bool Percent = false);

/// <summary>The panel of a task's rates (accuracy, or error rates): its title and the metrics.jsonl keys it draws, with their legend text.</summary>
public sealed record RatePanel(string Title, string YLabel, IReadOnlyList<(string Key, string Label)> Series);

/// <summary>
/// What a run's chart.png shows: panels stacked over one epoch axis: the losses (every key ending in "loss", labelled
/// by its split), the task's rates, and the learning rate. Built from metrics.jsonl's records, so a resumed run's chart
/// holds every epoch.
/// </summary>
public sealed record TrainingChart(IReadOnlyList<int> Epochs, IReadOnlyList<ChartPanel> Panels)
{
    /// <param name="rows">metrics.jsonl's records (<see cref="MetricsChart.ReadRows"/>); a key missing from a row is NaN there</param>
    public static TrainingChart Of(IReadOnlyList<IReadOnlyDictionary<string, double>> rows, RatePanel rates)
    {
        double[] Values(string key) => rows.Select(r => r.TryGetValue(key, out var v) ? v : double.NaN).ToArray();
        var lossKeys = rows.SelectMany(r => r.Keys).Distinct().Where(k => k.EndsWith("_loss", StringComparison.Ordinal)).ToArray();
        return new TrainingChart(Values("epoch").Select(e => (int)e).ToArray(), new[]
        {
            new ChartPanel("loss", "cross-entropy", lossKeys.Select(k => new ChartSeries(k[..^"_loss".Length], Values(k))).ToArray()),
            new ChartPanel(rates.Title, rates.YLabel, rates.Series.Select(s => new ChartSeries(s.Label, Values(s.Key))).ToArray(), Percent: true),
            new ChartPanel("learning rate (at the end of each epoch)", "learning rate", new[] { new ChartSeries("lr", Values("lr")) }),
        });
    }
}
