using Vitrum.Tensors.Memory;
using Xunit;

namespace Vitrum.Tensors.Tests;

[Collection("GlobalKernelState")]
public sealed class BufferPoolTests
{
    [Fact]
    public void Pool_keeps_hundreds_of_same_size_buffers_for_the_next_step()
    {
        // A training step returns over a hundred buffers of one size at its end; all must be reused next step.
        const int count = 300, length = 5000;
        var first = new float[count][];
        for (int i = 0; i < count; i++) first[i] = BufferPool.RentFloat(length);
        var returned = new HashSet<float[]>(first, ReferenceEqualityComparer.Instance);
        foreach (var a in first) BufferPool.Return(a);
        int reused = 0;
        var second = new float[count][];
        for (int i = 0; i < count; i++)
        {
            second[i] = BufferPool.RentFloat(length);
            if (returned.Contains(second[i])) reused++;
        }
        foreach (var a in second) BufferPool.Return(a);
        Assert.Equal(count, reused);
    }

    [Fact]
    public void Pooled_bytes_count_what_is_held_and_drop_when_rented_again()
    {
        var a = BufferPool.RentFloat(3000);
        long before = BufferPool.PooledBytes;
        BufferPool.Return(a);
        Assert.Equal(before + 4L * a.Length, BufferPool.PooledBytes);
        var b = BufferPool.RentFloat(3000);
        Assert.Equal(before, BufferPool.PooledBytes);
        BufferPool.Return(b);
    }
}
