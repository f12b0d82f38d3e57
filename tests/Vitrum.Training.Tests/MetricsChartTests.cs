using System.Text.Json;
using Vitrum.Data;
using Vitrum.Data.Images;
using Xunit;

namespace Vitrum.Training.Tests;

public class MetricsChartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-chart-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string MetricsFile(int epochs)
    {
        var path = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllLines(path, Enumerable.Range(1, epochs).Select(e => ImageRecord(e, 2.0 / e, 0.5 + 0.4 * e / epochs, 2.2 / e, 0.45 + 0.4 * e / epochs, 1e-3 * (epochs - e + 1) / epochs)
            .ToJson("train_accuracy", "images_per_second")));
        return path;
    }

    private static readonly RatePanel Accuracy = new("accuracy", "accuracy", new[] { ("train_accuracy", "train"), ("test_accuracy", "test") });

    private static EpochRecord ImageRecord(int epoch, double trainLoss, double trainAcc, double testLoss, double testAcc, double lr) =>
        new(epoch, epoch * 10, trainLoss, trainAcc, new[] { new Metric("test_loss", testLoss, false), new Metric("test_accuracy", testAcc, true) }, lr, 3.5, 900);

    private static IReadOnlyDictionary<string, double> Row(EpochRecord r, string accuracyKey) =>
        JsonSerializer.Deserialize<Dictionary<string, double>>(r.ToJson(accuracyKey, "images_per_second"), RunDirectory.MetricsJson)!;

    /// <summary>Dark pixels (any channel below 100) in a rectangle of a white-background chart.</summary>
    private static int DarkPixels(DecodedImage img, int x0, int y0, int w, int h)
    {
        int n = 0;
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0; x < x0 + w; x++)
            {
                int i = (y * img.Width + x) * img.Channels;
                if (img.Pixels[i] < 100 && img.Pixels[i + 1] < 100 && img.Pixels[i + 2] < 100) n++;
            }
        return n;
    }

    [Fact]
    public void Chart_of_a_small_metrics_file_is_a_png_with_a_panel_for_loss_accuracy_and_learning_rate()
    {
        var chart = TrainingChart.Of(MetricsChart.ReadRows(MetricsFile(5)), Accuracy);
        Assert.Equal(new[] { "loss", "accuracy", "learning rate (at the end of each epoch)" }, chart.Panels.Select(p => p.Title));
        Assert.Equal(new[] { "train", "test" }, chart.Panels[0].Series.Select(s => s.Label));
        Assert.Equal(2.2 / 5, chart.Panels[0].Series[1].Values[^1], 15);
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, chart.Epochs);
        Assert.Equal(1e-3 / 5, chart.Panels[2].Series[0].Values[^1], 15);
        var png = Path.Combine(_dir, "chart.png");
        MetricsChart.Save(png, chart);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }, bytes[..8]);
        var img = ImageFile.Load(png);
        Assert.Equal((MetricsChart.Width, 3 * MetricsChart.PanelHeight), (img.Width, img.Height));
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.tmp"));
        for (int p = 0; p < 3; p++)
        {
            // Each panel's title strip (centred, above the plotting area) holds text, and its legend corner lines and labels.
            Assert.True(DarkPixels(img, 350, p * MetricsChart.PanelHeight + 5, 200, 30) > 40, $"panel {p} has no title text");
            Assert.True(DarkPixels(img, 0, p * MetricsChart.PanelHeight + 40, 60, 210) > 40, $"panel {p} has no axis label or tick labels");
        }
    }

    /// <summary>
    /// The chart's text comes from the font embedded in the assembly, not from the machine's fonts, so a machine
    /// without any (Skia's Linux build looks only under /usr/share/fonts) still gets titles, labels and legends.
    /// </summary>
    [Fact]
    public void Chart_text_uses_the_embedded_font()
    {
        ChartFont.Register();
        var typeface = ScottPlot.Fonts.GetTypeface(ChartFont.Name, bold: false, italic: false);
        Assert.Same(ChartFont.EmbeddedTypeface, typeface);
        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        Assert.True(typeface.GlyphCount > 1000, $"{typeface.GlyphCount} glyphs");
        Assert.Same(ChartFont.EmbeddedTypeface, ScottPlot.Fonts.GetTypeface(ChartFont.Name, bold: true, italic: false));
    }

    [Fact]
    public void A_single_epoch_and_missing_values_still_make_a_chart()
    {
        var one = new[] { Row(ImageRecord(1, 0.7, 0.6, double.NaN, double.NaN, 1e-4), "train_accuracy") };
        var img = ImageFile.Load(Save(TrainingChart.Of(one, Accuracy)));
        Assert.Equal((900, 900), (img.Width, img.Height));
    }

    [Fact]
    public void Seq2seq_chart_shows_training_loss_validation_error_rates_and_learning_rate()
    {
        double[] wer = { 0.9, 0.5, 0.4 }, per = { 0.3, 0.2, 0.1 };
        var rows = Enumerable.Range(0, 3).Select(i => Row(new EpochRecord(i + 1, 100, 3.0 / (i + 1), 0.3,
            new[] { new Metric("valid_wer", wer[i], true), new Metric("valid_per", per[i], true) }, 1e-3, 4, 5000), "train_token_accuracy")).ToList();
        var chart = TrainingChart.Of(rows, new RatePanel("validation error rates", "error rate", new[] { ("valid_wer", "WER (words)"), ("valid_per", "PER (phonemes)") }));
        Assert.Equal(new[] { "train" }, chart.Panels[0].Series.Select(s => s.Label));
        Assert.Equal(wer, chart.Panels[1].Series[0].Values);
        Assert.Equal(per, chart.Panels[1].Series[1].Values);
        Assert.True(chart.Panels[1].Percent);
        var img = ImageFile.Load(Save(chart));
        Assert.Equal((900, 900), (img.Width, img.Height));
    }

    [Fact]
    public void A_malformed_metrics_line_names_the_file_and_line()
    {
        var path = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllLines(path, new[] { ImageRecord(1, 1, 1, 1, 1, 1).ToJson("train_accuracy", "images_per_second"), "{not json" });
        var e = Assert.Throws<DataFormatException>(() => MetricsChart.ReadRows(path));
        Assert.Contains("metrics.jsonl", e.Message);
        Assert.Contains("line 2", e.Message);
    }

    private string Save(TrainingChart chart)
    {
        var png = Path.Combine(_dir, $"chart-{Guid.NewGuid():N}.png");
        MetricsChart.Save(png, chart);
        return png;
    }
}
