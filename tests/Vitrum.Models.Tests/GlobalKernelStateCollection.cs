using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>
/// Tests that change process-wide kernel settings (<c>WorkerPool.ThreadCount</c>, the pool's test hook) join
/// this collection, which xunit runs alone after the parallel ones, so no other test sees a forced setting.
/// </summary>
[CollectionDefinition("GlobalKernelState", DisableParallelization = true)]
public sealed class GlobalKernelStateCollection
{
}
