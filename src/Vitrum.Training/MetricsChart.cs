using System.Globalization;
using System.Text.Json;
using Vitrum.Data;
using Vitrum.Data.Images;

namespace Vitrum.Training;

/// <summary>
/// The training chart written next to the weights: loss (left) and accuracy (right) per epoch, train in blue
/// and test in orange, drawn from metrics.jsonl so a resumed run's chart holds every epoch.
/// </summary>
public static class MetricsChart
{
    private static readonly (byte, byte, byte) TrainColor = (31, 119, 180), TestColor = (255, 127, 14), Ink = (40, 40, 40), Grid = (225, 225, 225);

    /// <summary>The epochs of a metrics.jsonl file, in order.</summary>
    /// <exception cref="DataFormatException">a line is not an epoch record</exception>
    public static List<EpochMetrics> ReadMetrics(string path)
    {
        var list = new List<EpochMetrics>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try { list.Add(JsonSerializer.Deserialize<EpochMetrics>(line, RunDirectory.MetricsJson) ?? throw new JsonException("null")); }
            catch (JsonException e) { throw new DataFormatException(Path.GetFileName(path), $"line {n} is not an epoch record ({e.Message})", e); }
        }
        return list;
    }

    public static DecodedImage Render(IReadOnlyList<EpochMetrics> epochs, int width = 800, int height = 320)
    {
        var c = new Canvas(width, height);
        int half = width / 2;
        Panel(c, 0, half, height, "loss", epochs.Select(e => e.TrainLoss).ToArray(), epochs.Select(e => e.TestLoss).ToArray(), percent: false);
        Panel(c, half, half, height, "accuracy", epochs.Select(e => e.TrainAccuracy).ToArray(), epochs.Select(e => e.TestAccuracy).ToArray(), percent: true);
        return c.ToImage();
    }

    private static string Label(double v, bool percent) =>
        percent ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : v.ToString(Math.Abs(v) >= 10 ? "0.0" : "0.000", CultureInfo.InvariantCulture);

    private static void Panel(Canvas c, int x0, int w, int h, string title, double[] train, double[] test, bool percent)
    {
        const int s = 2;
        int left = x0 + 80, right = x0 + w - 20, top = 40, bottom = h - 40;
        c.Text(x0 + (w - Canvas.TextWidth(title, 3)) / 2, 10, title, Ink, 3);
        var all = train.Concat(test).Where(double.IsFinite).ToArray();
        double lo = all.Length > 0 ? all.Min() : 0, hi = all.Length > 0 ? all.Max() : 1;
        if (hi - lo < 1e-9) { lo -= 0.5 * Math.Max(Math.Abs(lo), 1e-3); hi += 0.5 * Math.Max(Math.Abs(hi), 1e-3); }
        double pad = (hi - lo) * 0.05;
        (lo, hi) = (lo - pad, hi + pad);
        for (int g = 0; g <= 4; g++)
        {
            double v = lo + (hi - lo) * g / 4;
            int y = (int)Math.Round(bottom - (bottom - top) * (double)g / 4);
            c.Fill(left, y, right - left, 1, Grid);
            var text = Label(v, percent);
            c.Text(left - 6 - Canvas.TextWidth(text, s), y - 5, text, Ink, s);
        }
        c.Fill(left, top, 1, bottom - top + 1, Ink);
        c.Fill(left, bottom, right - left + 1, 1, Ink);
        int n = Math.Max(train.Length, test.Length);
        double X(int i) => n <= 1 ? (left + right) / 2.0 : left + (right - left) * (double)i / (n - 1);
        double Y(double v) => bottom - (bottom - top) * (v - lo) / (hi - lo);
        foreach (var (values, color) in new[] { (train, TrainColor), (test, TestColor) })
            for (int i = 0; i < values.Length; i++)
            {
                if (!double.IsFinite(values[i])) continue;
                c.Fill((int)X(i) - 3, (int)Y(values[i]) - 3, 7, 7, color);
                if (i > 0 && double.IsFinite(values[i - 1])) c.Line(X(i - 1), Y(values[i - 1]), X(i), Y(values[i]), color);
            }
        var first = "epoch 1";
        var last = n.ToString(CultureInfo.InvariantCulture);
        c.Text(left, bottom + 8, first, Ink, s);
        if (n > 1) c.Text(right - Canvas.TextWidth(last, s), bottom + 8, last, Ink, s);
        int lx = right - 120;
        c.Fill(lx, top + 6, 14, 8, TrainColor);
        c.Text(lx + 20, top + 5, "train", Ink, s);
        c.Fill(lx, top + 24, 14, 8, TestColor);
        c.Text(lx + 20, top + 23, "test", Ink, s);
    }
}
