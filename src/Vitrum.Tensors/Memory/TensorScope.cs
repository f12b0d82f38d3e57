namespace Vitrum.Tensors.Memory;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost scope and disposes them
/// when it ends, returning their buffers to the pool (like TorchSharp's DisposeScope). A tensor that
/// must outlive the scope is kept with <see cref="Tensor.MoveToOuterScope"/> or created outside it.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    private readonly TensorScope? _outer;
    private readonly List<Tensor> _owned = new();
    private bool _disposed;

    public TensorScope()
    {
        _outer = _current;
        _current = this;
    }

    internal static TensorScope? Current => _current;
    internal TensorScope? Outer => _outer;

    internal void Register(Tensor t) => _owned.Add(t);

    internal bool Remove(Tensor t)
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            if (!ReferenceEquals(_owned[i], t)) continue;
            _owned[i] = _owned[^1];
            _owned.RemoveAt(_owned.Count - 1);
            return true;
        }
        return false;
    }

    /// <summary>Number of tensors this scope will dispose (for tests and diagnostics).</summary>
    public int Count => _owned.Count;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
        _current = _outer;
    }

    /// <summary>Creates tensors outside any scope while alive (parameters, gradients, optimizer state).</summary>
    public static SuppressScope Suppress() => new();

    public readonly struct SuppressScope : IDisposable
    {
        private readonly TensorScope? _saved;
        public SuppressScope() { _saved = _current; _current = null; }
        public void Dispose() => _current = _saved;
    }
}
