using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Bench;

/// <summary>
/// A register-only Vector512 FMA loop: 12 independent accumulators (more than FMA latency x ports), no
/// memory traffic. Its rate is the single-core ceiling any SGEMM micro-kernel can approach.
/// </summary>
public static class FmaLoop
{
    public const double FlopsPerIteration = 12 * 16 * 2;

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static float Run(long iterations)
    {
        var x = Vector512.Create(1.0001f);
        var y = Vector512.Create(0.9999f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(x, y, c0); c1 = Avx512F.FusedMultiplyAdd(x, y, c1);
            c2 = Avx512F.FusedMultiplyAdd(x, y, c2); c3 = Avx512F.FusedMultiplyAdd(x, y, c3);
            c4 = Avx512F.FusedMultiplyAdd(x, y, c4); c5 = Avx512F.FusedMultiplyAdd(x, y, c5);
            c6 = Avx512F.FusedMultiplyAdd(x, y, c6); c7 = Avx512F.FusedMultiplyAdd(x, y, c7);
            c8 = Avx512F.FusedMultiplyAdd(x, y, c8); c9 = Avx512F.FusedMultiplyAdd(x, y, c9);
            c10 = Avx512F.FusedMultiplyAdd(x, y, c10); c11 = Avx512F.FusedMultiplyAdd(x, y, c11);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
    }
}
