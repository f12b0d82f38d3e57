using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// Tests that change process-wide kernel settings (<c>Simd.Level</c>, <c>WorkerPool.ThreadCount</c>) join
/// this collection, which xunit runs alone after the parallel ones, so no other test sees a forced setting.
/// </summary>
[CollectionDefinition("GlobalKernelState", DisableParallelization = true)]
public sealed class GlobalKernelStateCollection
{
}
