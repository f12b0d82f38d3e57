using System.Globalization;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// Training progress on stderr: a bar redrawn in place on a terminal, or a plain line every few
/// seconds when stderr is redirected (logs stay readable).
/// </summary>
public sealed class ProgressLine
{
    private readonly bool _tty = !Console.IsErrorRedirected;
    private DateTime _last = DateTime.MinValue;
    private string _unit = "";

    public void Step(StepProgress p)
    {
        _unit = p.Unit;
        var now = DateTime.UtcNow;
        bool end = p.Batch == p.Batches;
        if (!end && (now - _last).TotalSeconds < (_tty ? 0.2 : 10)) return;
        _last = now;
        const int width = 24;
        int filled = (int)(width * (double)p.Batch / p.Batches);
        var text = string.Format(CultureInfo.InvariantCulture,
            "epoch {0}/{1} [{2}{3}] {4}/{5} loss {6:F4} acc {7:P2} {8:F0} {10} eta {9:hh\\:mm\\:ss}",
            p.Epoch, p.Epochs, new string('#', filled), new string('.', width - filled), p.Batch, p.Batches, p.Loss, p.Accuracy, p.PerSecond, p.Eta, p.Unit);
        if (_tty) Console.Error.Write("\r" + text.PadRight(Console.BufferWidth > 0 ? Math.Min(Console.BufferWidth - 1, 120) : 100));
        else Console.Error.WriteLine(text);
    }

    public void Epoch(EpochRecord m)
    {
        if (_tty) Console.Error.WriteLine();
        Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "epoch {0}: train loss {1:F4} acc {2:P2} | {3} | lr {4:G3}, {5:F0} s, {6:F0} {7}",
            m.Epoch, m.TrainLoss, m.TrainAccuracy, string.Join(", ", m.Eval), m.Lr, m.Seconds, m.PerSecond, _unit));
    }
}
