using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Spreads independent pieces of an op (image planes, channels) over the worker pool. For ops whose
/// per-piece work dwarfs one small allocation per call (pools, interpolation, batch norm).
/// </summary>
internal sealed class PlaneJob : IParallelJob
{
    private readonly Action<int> _body;

    private PlaneJob(Action<int> body) => _body = body;

    public void Execute(int index) => _body(index);

    public static void For(int count, Action<int> body) => WorkerPool.For(count, new PlaneJob(body));
}
