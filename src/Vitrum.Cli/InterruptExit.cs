using System.Runtime.InteropServices;

namespace Vitrum.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM end every command with <see cref="ExitCodes.Interrupted"/> and one line on stderr,
/// where the runtime's default would end a SIGTERM'd process with 143. A training run handles both signals itself
/// (Commands.CtrlC: it finishes the step and saves a checkpoint) and holds this handler off meanwhile.
/// </summary>
public static class InterruptExit
{
    private static int _held;

    /// <summary>Registers the handlers for the process's lifetime (Program.Main); a no-op where POSIX signals do not exist.</summary>
    public static IDisposable Install()
    {
        var registrations = new List<PosixSignalRegistration>();
        try
        {
            foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
                registrations.Add(PosixSignalRegistration.Create(signal, Exit));
        }
        catch (PlatformNotSupportedException)
        {
            // No POSIX signals here: the platform's own Ctrl+C handling applies.
        }
        return new Registrations(registrations);
    }

    /// <summary>Leaves the signals to the caller until the returned object is disposed.</summary>
    public static IDisposable Hold()
    {
        Interlocked.Increment(ref _held);
        return new Release();
    }

    private static void Exit(PosixSignalContext context)
    {
        if (Volatile.Read(ref _held) > 0) return;
        context.Cancel = true;
        Console.Error.WriteLine($"vitrum: interrupted ({context.Signal})");
        Environment.Exit(ExitCodes.Interrupted);
    }

    private sealed class Release : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref _held);
        }
    }

    private sealed class Registrations(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose() => registrations.ForEach(r => r.Dispose());
    }
}
