using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Threading;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// The dropout mask is a pure function of its key and the element index: whatever the start, the length
/// (vector steps, a vector's worth of tail, single elements) or the number of threads, element e is the
/// definition written out here element by element.
/// </summary>
[Collection("GlobalKernelState")]
public unsafe class DropoutMaskTests
{
    private const float P = 0.3f;
    private const ulong Key = 0x1234_5678_9ABC_DEF0UL;

    /// <summary>SplitMix64's finalizer of key + e / 2; its low half decides even e, its high half odd e.</summary>
    private static float Definition(long e)
    {
        ulong z = Key + (ulong)(e >> 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        uint half = (uint)((e & 1) == 0 ? z : z >> 32);
        return half < (uint)(P * 4294967296.0) ? 0f : 1f / (1f - P);
    }

    [Theory]
    [InlineData(0, 9)]
    [InlineData(1, 9)]
    [InlineData(7, 2)]
    [InlineData(10, 1)]
    [InlineData(3, 16)]
    [InlineData(0, 17)]
    [InlineData(5, 47)]
    [InlineData(100, 31)]
    public void Fill_and_apply_give_the_definition_for_any_start_and_length(long first, int n)
    {
        var mask = new DropoutMask(P, Key);
        var filled = new float[n];
        var scaled = new float[n];
        for (int i = 0; i < n; i++) scaled[i] = i + 1;
        fixed (float* f = filled, s = scaled)
        {
            mask.Fill(f, n, first);
            mask.Apply(s, n, first);
        }
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(Definition(first + i), filled[i]);
            Assert.Equal((i + 1) * Definition(first + i), scaled[i]);
        }
    }

    [Fact]
    public void A_large_mask_drawn_on_two_threads_is_the_definition()
    {
        int old = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = 2;
            const int n = 300_001;
            var got = new float[n];
            fixed (float* g = got) new DropoutMask(P, Key).FillParallel(g, n);
            int dropped = 0;
            for (int e = 0; e < n; e++)
            {
                if (got[e] != Definition(e)) Assert.Fail($"element {e}: {got[e]}, expected {Definition(e)}");
                if (got[e] == 0f) dropped++;
            }
            Assert.InRange(dropped / (double)n, P - 0.01, P + 0.01);
        }
        finally
        {
            WorkerPool.ThreadCount = old;
        }
    }
}
