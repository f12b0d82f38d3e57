namespace Vitrum.Cli;

/// <summary>
/// What <c>vitrum</c> returns, the same for every command (README, "Exit codes"). Each failure is one line on
/// stderr whatever its code.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>
    /// The command line was fine but the work failed: a file that is malformed, of another kind or does not fit the
    /// model; data that do not match the weights (channels, class names); an I/O error; any unexpected error.
    /// </summary>
    public const int Failure = 1;

    /// <summary>
    /// The command line cannot be run as written, found before any work: an unknown command or option, a bad or
    /// missing value, a named file or folder that does not exist, options that do not apply to this model or data
    /// set, a model that cannot do what the command asks.
    /// </summary>
    public const int Usage = 2;

    /// <summary>
    /// Stopped by Ctrl+C (SIGINT) or SIGTERM: a training run saves a resumable checkpoint first; other commands stop
    /// at once (128 + SIGINT's number, what shells report for Ctrl+C).
    /// </summary>
    public const int Interrupted = 130;
}
