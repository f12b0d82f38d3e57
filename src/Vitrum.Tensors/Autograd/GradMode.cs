namespace Vitrum.Tensors.Autograd;

/// <summary>Whether ops record the tape on this thread. <c>using (GradMode.NoGrad()) { ... }</c> turns it off.</summary>
public static class GradMode
{
    [ThreadStatic] private static int _disabledDepth;

    public static bool IsEnabled => _disabledDepth == 0;

    public static NoGradScope NoGrad() => new();

    public readonly struct NoGradScope : IDisposable
    {
        public NoGradScope() => _disabledDepth++;
        public void Dispose() => _disabledDepth--;
    }
}
