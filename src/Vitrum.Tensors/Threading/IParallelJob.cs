namespace Vitrum.Tensors.Threading;

/// <summary>A unit of parallel work split into numbered pieces; a kernel keeps one instance per call site and reuses it.</summary>
public interface IParallelJob
{
    void Execute(int index);
}
