namespace Vitrum.Cli.Commands;

/// <summary>
/// Ctrl+C during training: the first press cancels the token (the trainer finishes its step and saves a
/// resumable checkpoint), a second press exits at once. Disposing removes the handler.
/// </summary>
public sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly ConsoleCancelEventHandler _handler;

    public CancellationToken Token => _cts.Token;

    public CtrlC()
    {
        _handler = (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("\ninterrupt: finishing this step and saving a checkpoint (Ctrl+C again to abort)");
            if (_cts.IsCancellationRequested) Environment.Exit(130);
            _cts.Cancel();
        };
        Console.CancelKeyPress += _handler;
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _cts.Dispose();
    }
}
