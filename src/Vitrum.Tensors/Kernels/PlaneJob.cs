using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Spreads independent pieces of an op (image planes, channels) over the worker pool. For ops whose
/// per-piece work dwarfs one small allocation per call (pools, interpolation, batch norm).
/// </summary>
internal sealed class PlaneJob : IParallelJob
{
    /// <summary>
    /// Below this many element operations in total a call runs inline: waking a pool thread costs
    /// microseconds (much more when the machine is busy), more than the work itself.
    /// </summary>
    public const long MinParallelWork = 1 << 16;

    private readonly Action<int> _body;

    private PlaneJob(Action<int> body) => _body = body;

    public void Execute(int index) => _body(index);

    /// <summary>Runs body(i) for i in [0, count), on the pool when <paramref name="totalWork"/> makes it worthwhile.</summary>
    public static void For(int count, long totalWork, Action<int> body)
    {
        if (totalWork < MinParallelWork)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        WorkerPool.For(count, new PlaneJob(body));
    }
}
