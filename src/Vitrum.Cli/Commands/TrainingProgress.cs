using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// Training progress on stderr (stdout keeps the results). On a terminal: a live Spectre.Console bar per epoch
/// with the step, loss, accuracy, throughput and ETA, and log lines scrolling above it. Redirected: a plain line
/// every few seconds and at each epoch's end, without escape codes, which logs and tests read.
/// </summary>
public sealed class TrainingProgress
{
    private const double PlainSeconds = 10;
    /// <summary>Narrow enough that the bar and the numbers fit on one line of an 80-column terminal.</summary>
    private const int BarWidth = 14;
    private readonly string _accuracyLabel;
    private readonly IAnsiConsole? _terminal;
    private ProgressContext? _live;
    private ProgressTask? _task;
    private int _taskEpoch;
    private DateTime _lastLine = DateTime.MinValue;
    private string _unit = "";

    private readonly bool _silent;

    /// <param name="accuracyLabel">what StepProgress.Accuracy measures ("acc" for images, "token acc" for sequences)</param>
    /// <param name="silent">prints nothing: a data-parallel rank other than 0, which trains without reporting</param>
    public TrainingProgress(string accuracyLabel, bool silent = false)
    {
        (_accuracyLabel, _silent) = (accuracyLabel, silent);
        if (silent) return;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (console.Profile.Capabilities is { Interactive: true, Ansi: true }) _terminal = console;
    }

    /// <summary>Runs <paramref name="train"/> under the live bar on a terminal, or as it is otherwise.</summary>
    public T Run<T>(Func<T> train)
    {
        if (_terminal == null) return train();
        return _terminal.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn { Width = BarWidth }, new StatusColumn())
            .Start(ctx =>
            {
                _live = ctx;
                try { return train(); }
                finally { _live = null; }
            });
    }

    /// <summary>A message line (epoch summaries, checkpoints, signals): above the live bar, or plain.</summary>
    public void Line(string text)
    {
        if (_silent) return;
        if (_terminal != null) _terminal.WriteLine(text);
        else Console.Error.WriteLine(text);
    }

    public void Step(StepProgress p)
    {
        _unit = p.Unit;
        if (_silent) return;
        if (_live != null)
        {
            if (_task == null || _taskEpoch != p.Epoch)
            {
                _task?.StopTask();
                _task = _live.AddTask(Markup.Escape($"epoch {p.Epoch}/{p.Epochs}"), maxValue: p.Batches);
                _taskEpoch = p.Epoch;
            }
            _task.Tag = Status(p);
            _task.Value = p.Batch;
            return;
        }
        var now = DateTime.UtcNow;
        if (p.Batch != p.Batches && (now - _lastLine).TotalSeconds < PlainSeconds) return;
        _lastLine = now;
        const int width = 24;
        int filled = (int)(width * (double)p.Batch / p.Batches);
        Line($"epoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('.', width - filled)}] {Status(p)}");
    }

    /// <summary>The line after each epoch: training loss and accuracy, the task's evaluation, rate, clipped steps, time and throughput.</summary>
    public void Epoch(EpochRecord m) => Line(string.Format(CultureInfo.InvariantCulture,
        "epoch {0}: train loss {1:F4} {2} {3:P2} | {4} | lr {5:G3}{6}, {7:F0} s, {8:F0} {9}",
        m.Epoch, m.TrainLoss, _accuracyLabel, m.TrainAccuracy, string.Join(", ", m.Eval), m.Lr,
        m.ClippedSteps is int c ? $", {c} steps clipped" : "", m.Seconds, m.PerSecond, _unit));

    private string Status(StepProgress p) => string.Format(CultureInfo.InvariantCulture,
        "{0}/{1} loss {2:F4} {3} {4:P2} {5:F0} {6} eta {7}:{8:mm\\:ss}",
        p.Batch, p.Batches, p.Loss, _accuracyLabel, p.Accuracy, p.PerSecond, p.Unit, (int)p.Eta.TotalHours, p.Eta);

    /// <summary>The step's numbers after the bar (kept in the task's tag by <see cref="Step"/>).</summary>
    private sealed class StatusColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Text(task.Tag as string ?? "");
    }
}
