namespace Vitrum.Cli.Commands;

/// <summary>
/// The parsed options of <c>vitrum eval</c>. <see cref="BatchSize"/> is null when not given (each task has its
/// default); the options of sequence-to-sequence evaluation are listed, when given, in <see cref="Seq2SeqOnlyGiven"/>
/// so that image evaluation can refuse them.
/// </summary>
public sealed record EvalArgs
{
    public required string Weights { get; init; }
    public string? Model { get; init; }
    public required string Dataset { get; init; }
    public bool Json { get; init; }
    public int? BatchSize { get; init; }

    // Sequence-to-sequence only.
    public int Beam { get; init; } = 1;
    public double LengthPenalty { get; init; } = 0.6;
    public string Split { get; init; } = "test";

    public IReadOnlyList<string> Seq2SeqOnlyGiven { get; init; } = [];
}
