using System.Globalization;
using System.Text.Json;
using ScottPlot;
using SkiaSharp;
using Vitrum.Data;
using Vitrum.Nn.IO;

namespace Vitrum.Training;

/// <summary>
/// Draws a <see cref="TrainingChart"/> as PNG with ScottPlot: one panel per row, each with a title, axis labels,
/// a legend and its lines over the epochs (points only where a value is finite).
/// </summary>
public static class MetricsChart
{
    public const int Width = 900, PanelHeight = 300;

    private static readonly Color[] Palette = { new(31, 119, 180), new(255, 127, 14), new(44, 160, 44) };

    // ScottPlot's font resolvers and typeface cache are process-wide; trainers running side by side take turns.
    private static readonly object RenderLock = new();

    /// <summary>The height of a chart with <paramref name="panels"/> panels.</summary>
    public static int HeightFor(int panels) => panels * PanelHeight;

    /// <summary>The records of a metrics.jsonl file, in order: each a JSON object of numbers (null, or the "NaN" strings of older files, read as NaN).</summary>
    /// <exception cref="DataFormatException">a line is not such an object</exception>
    public static List<IReadOnlyDictionary<string, double>> ReadRows(string path)
    {
        var list = new List<IReadOnlyDictionary<string, double>>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try { list.Add(JsonSerializer.Deserialize<Dictionary<string, double>>(line, RunDirectory.MetricsJson) ?? throw new JsonException("null")); }
            catch (JsonException e) { throw new DataFormatException(Path.GetFileName(path), $"line {n} is not an epoch record of numbers ({e.Message})", e); }
        }
        return list;
    }

    /// <summary>Writes the chart as PNG to a temporary name and renames it, so a reader never sees half a file.</summary>
    public static void Save(string path, TrainingChart chart)
    {
        var png = RenderPng(chart);
        AtomicFile.Write(path, s => s.Write(png));
    }

    /// <returns>a <see cref="Width"/> x <see cref="HeightFor"/> PNG</returns>
    public static byte[] RenderPng(TrainingChart chart)
    {
        if (chart.Panels.Count == 0) throw new ArgumentException("a chart needs at least one panel", nameof(chart));
        lock (RenderLock)
        {
            ChartFont.Register();
            using var surface = Surface(Width, HeightFor(chart.Panels.Count));
            using var panelSurface = Surface(Width, PanelHeight);
            for (int i = 0; i < chart.Panels.Count; i++)
            {
                // A plot clears the whole canvas it renders on, so each panel is drawn alone and then copied into place.
                Panel(chart.Epochs, chart.Panels[i]).Render(panelSurface);
                surface.Canvas.DrawSurface(panelSurface, 0, i * PanelHeight);
            }
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            return data.ToArray();
        }
    }

    /// <summary>Opaque, so the PNG has no alpha channel.</summary>
    private static SKSurface Surface(int width, int height) =>
        SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque))
        ?? throw new InvalidOperationException($"Skia could not create a {width} x {height} drawing surface");

    private static Plot Panel(IReadOnlyList<int> epochs, ChartPanel panel)
    {
        var plot = new Plot();
        double scale = panel.Percent ? 100 : 1;
        var lines = new List<(double[] X, double[] Y)>();
        for (int s = 0; s < panel.Series.Count; s++)
        {
            var series = panel.Series[s];
            var points = Enumerable.Range(0, Math.Min(epochs.Count, series.Values.Count)).Where(i => double.IsFinite(series.Values[i])).ToArray();
            lines.Add((points.Select(i => (double)epochs[i]).ToArray(), points.Select(i => series.Values[i] * scale).ToArray()));
            var line = plot.Add.Scatter(lines[^1].X, lines[^1].Y, Palette[s % Palette.Length]);
            line.LegendText = series.Label;
            line.LineWidth = 2;
            line.MarkerSize = epochs.Count <= 40 ? 6 : 0;
        }
        plot.Title(panel.Title, 16);
        plot.XLabel("epoch", 13);
        plot.YLabel(panel.Percent ? panel.YLabel + " (%)" : panel.YLabel, 13);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (panel.Percent)
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => v.ToString("0.##", CultureInfo.InvariantCulture) };
        plot.Font.Set(ChartFont.Name);
        plot.Legend.FontName = ChartFont.Name;
        plot.ShowLegend(EmptiestCorner(plot, lines));
        // The same padding in every panel lines their plotting areas up under each other.
        plot.Layout.Fixed(new PixelPadding(90, 30, 50, 40));
        return plot;
    }

    /// <summary>
    /// The corner of the plotting area that the lines cross least (upper right on a tie), so the legend hides
    /// as little as possible: rising accuracy gets it at the bottom, falling loss at the top.
    /// </summary>
    private static Alignment EmptiestCorner(Plot plot, List<(double[] X, double[] Y)> lines)
    {
        plot.Axes.AutoScale();
        var lim = plot.Axes.GetLimits();
        double w = Math.Max(lim.Right - lim.Left, 1e-300), h = Math.Max(lim.Top - lim.Bottom, 1e-300);
        var corners = new[] { (Alignment.UpperRight, 1, 1), (Alignment.LowerRight, 1, 0), (Alignment.UpperLeft, 0, 1), (Alignment.LowerLeft, 0, 0) };
        var hits = new int[corners.Length];
        foreach (var (xs, ys) in lines)
            for (int i = 0; i < xs.Length; i++)
                // Points along each segment too, so a line between two far epochs counts where it runs.
                for (int t = 0; t < (i + 1 < xs.Length ? 16 : 1); t++)
                {
                    double f = t / 16.0;
                    double u = (xs[i] + (i + 1 < xs.Length ? f * (xs[i + 1] - xs[i]) : 0) - lim.Left) / w;
                    double v = (ys[i] + (i + 1 < xs.Length ? f * (ys[i + 1] - ys[i]) : 0) - lim.Bottom) / h;
                    for (int c = 0; c < corners.Length; c++)
                        if (Math.Abs(u - corners[c].Item2) < 0.3 && Math.Abs(v - corners[c].Item3) < 0.35) hits[c]++;
                }
        return corners[Array.IndexOf(hits, hits.Min())].Item1;
    }
}
