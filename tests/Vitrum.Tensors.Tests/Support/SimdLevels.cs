using Vitrum.Tensors.Kernels;
using Xunit;

namespace Vitrum.Tensors.Tests.Support;

/// <summary>
/// Tests that lower <see cref="Simd.Level"/> (a process-wide setting) join this collection, which
/// xunit runs alone, so no other test sees the lowered level.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SimdLevelCollection
{
    public const string Name = "Simd level";
}

public static class SimdLevels
{
    /// <summary>Every level this CPU can run, widest first.</summary>
    public static SimdLevel[] Available() =>
        new[] { SimdLevel.Avx512, SimdLevel.Avx2, SimdLevel.Scalar }.Where(l => l <= Simd.Detected).ToArray();

    /// <summary>Runs <paramref name="body"/> once per available level, restoring the detected level after.</summary>
    public static void ForEach(Action<SimdLevel> body)
    {
        try
        {
            foreach (var level in Available())
            {
                Simd.Level = level;
                body(level);
            }
        }
        finally
        {
            Simd.Level = Simd.Detected;
        }
    }
}
