namespace Vitrum.Training;

/// <summary>One line of a chart panel: its legend text and one value per epoch (NaN where it has none).</summary>
public sealed record ChartSeries(string Label, IReadOnlyList<double> Values);

/// <summary>One panel of a chart: its title, the label of its value axis and its lines.</summary>
/// <param name="Percent">the values are fractions, shown as percentages</param>
public sealed record ChartPanel(string Title, string YLabel, IReadOnlyList<ChartSeries> Series, bool Percent = false);

/// <summary>
/// What a run's chart.png shows: panels stacked over one epoch axis. Built from metrics.jsonl's records, so a
/// resumed run's chart holds every epoch.
/// </summary>
public sealed record TrainingChart(IReadOnlyList<int> Epochs, IReadOnlyList<ChartPanel> Panels)
{
    /// <summary>An image classifier's run: loss and accuracy (train and test), learning rate.</summary>
    public static TrainingChart Of(IReadOnlyList<EpochMetrics> epochs) => new(epochs.Select(e => e.Epoch).ToArray(), new[]
    {
        new ChartPanel("loss", "cross-entropy", new[]
        {
            new ChartSeries("train", epochs.Select(e => e.TrainLoss).ToArray()),
            new ChartSeries("test", epochs.Select(e => e.TestLoss).ToArray()),
        }),
        new ChartPanel("accuracy", "accuracy", new[]
        {
            new ChartSeries("train", epochs.Select(e => e.TrainAccuracy).ToArray()),
            new ChartSeries("test", epochs.Select(e => e.TestAccuracy).ToArray()),
        }, Percent: true),
        LearningRate(epochs.Select(e => e.Lr)),
    });

    /// <summary>
    /// A sequence-to-sequence run: training loss (validation is decoded, not scored by loss), validation word and
    /// phoneme error rates, learning rate.
    /// </summary>
    public static TrainingChart Of(IReadOnlyList<Seq2SeqEpochMetrics> epochs) => new(epochs.Select(e => e.Epoch).ToArray(), new[]
    {
        new ChartPanel("loss", "cross-entropy", new[] { new ChartSeries("train", epochs.Select(e => e.TrainLoss).ToArray()) }),
        new ChartPanel("validation error rates", "error rate", new[]
        {
            new ChartSeries("WER (words)", epochs.Select(e => e.ValidWer).ToArray()),
            new ChartSeries("PER (phonemes)", epochs.Select(e => e.ValidPer).ToArray()),
        }, Percent: true),
        LearningRate(epochs.Select(e => e.Lr)),
    });

    private static ChartPanel LearningRate(IEnumerable<double> lr) =>
        new("learning rate (at the end of each epoch)", "learning rate", new[] { new ChartSeries("lr", lr.ToArray()) });
}
