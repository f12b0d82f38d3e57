namespace Vitrum.Tensors;

/// <summary>
/// Counts the multiply-accumulates of the ops that do a model's arithmetic (Linear, MatMul, Conv2d and attention's two
/// products) called on this thread while it is open, as fvcore and timm's published GMAC figures count them;
/// elementwise ops, norms and softmax are not counted. Counters nest: an inner one hides the outer while open.
/// </summary>
public sealed class MacCounter : IDisposable
{
    [ThreadStatic] private static MacCounter? _current;
    private readonly MacCounter? _outer;

    /// <summary>Multiply-accumulates counted so far.</summary>
    public long Macs { get; private set; }

    /// <summary>Whether the counted ops skip their arithmetic (their outputs are zeros).</summary>
    public bool CountOnly { get; }

    private MacCounter(bool countOnly) => (_outer, CountOnly) = (_current, countOnly);

    /// <summary>Starts counting on this thread until the counter is disposed.</summary>
    /// <param name="countOnly">
    /// the counted ops return zeros instead of computing: a cost figure of a large model at its full input size (DETR at
    /// 800 x 800) then takes a fraction of a forward pass, the other ops (norms, elementwise) still running on the zeros
    /// </param>
    public static MacCounter Start(bool countOnly = false) => _current = new MacCounter(countOnly);

    /// <summary>True while a count-only counter is open on this thread: the counted ops skip their arithmetic.</summary>
    internal static bool SkipArithmetic => _current is { CountOnly: true };

    internal static void Add(long macs)
    {
        if (_current is { } c) c.Macs += macs;
    }

    public void Dispose()
    {
        if (_current == this) _current = _outer;
    }
}
