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

    private MacCounter() => _outer = _current;

    /// <summary>Starts counting on this thread until the counter is disposed.</summary>
    public static MacCounter Start() => _current = new MacCounter();

    internal static void Add(long macs)
    {
        if (_current is { } c) c.Macs += macs;
    }

    public void Dispose()
    {
        if (_current == this) _current = _outer;
    }
}
