using System.Runtime.InteropServices;

namespace Vitrum.Cli.Commands;

/// <summary>
/// Stopping a training run: Ctrl+C (SIGINT) or SIGTERM (<c>kill PID</c>, a job scheduler, a shutdown) cancels
/// the token, and the trainer finishes its step and saves a resumable checkpoint; a second signal exits at
/// once. SIGTERM matters for runs started in the background: a non-interactive shell starts them with
/// SIGINT ignored, so Ctrl+C's handler never fires there. Disposing removes the handlers.
/// </summary>
public sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly ConsoleCancelEventHandler _handler;
    private readonly PosixSignalRegistration? _term;
    private readonly Action<string> _log;
    private readonly string _rank;
    private readonly IDisposable _exitHeld = InterruptExit.Hold();

    public CancellationToken Token => _cts.Token;

    /// <param name="log">where the "finishing this step" notice goes (the training progress, so a live bar stays intact)</param>
    /// <param name="rank">"rank 1 of 2" in a data-parallel run, whose launcher also sends SIGTERM when another rank failed</param>
    public CtrlC(Action<string> log, string? rank = null)
    {
        (_log, _rank) = (log, rank == null ? "" : rank + ": ");
        _handler = (_, e) =>
        {
            e.Cancel = true;
            Stop("interrupt", "Ctrl+C");
        };
        Console.CancelKeyPress += _handler;
        try
        {
            _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                Stop("terminate", "another SIGTERM");
            });
        }
        catch (PlatformNotSupportedException)
        {
            // No SIGTERM here (e.g. some Windows hosts): Ctrl+C alone stops a run cleanly.
        }
    }

    private void Stop(string what, string again)
    {
        _log(_rank.Length == 0
            ? $"{what}: finishing this step and saving a checkpoint ({again} to abort)"
            : $"{_rank}{what}: finishing this step and saving a checkpoint if every rank still answers (the launcher also stops the job so when a rank failed; {again} to abort)");
        if (_cts.IsCancellationRequested) Environment.Exit(ExitCodes.Interrupted);
        _cts.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _term?.Dispose();
        _exitHeld.Dispose();
        _cts.Dispose();
    }
}
