namespace Vitrum.Training;

/// <summary>
/// A training step produced a non-finite loss or gradient norm: the trainer stopped before the optimizer step, so no
/// file of the run holds the diverged weights (the message names the last good checkpoint, if any).
/// </summary>
public sealed class TrainingDivergedException(string message, int epoch, long step, double loss, double gradNorm) : InvalidOperationException(message)
{
    /// <summary>The epoch the step belongs to (from 1).</summary>
    public int Epoch { get; } = epoch;

    /// <summary>The optimizer step that diverged (from 1).</summary>
    public long Step { get; } = step;

    public double Loss { get; } = loss;

    /// <summary>The gradients' total norm (NaN when the loss diverged first and no backward pass ran).</summary>
    public double GradNorm { get; } = gradNorm;
}
