using System.Numerics;

namespace Vitrum.Tensors.Memory;

/// <summary>
/// Process-wide pool of pinned arrays in power-of-two buckets. Pinned (pinned object heap) so that
/// kernels may take raw pointers without <c>fixed</c>; pooled so that a steady-state training step
/// allocates almost nothing on the managed heap. Buffers come back explicitly through
/// <see cref="Storage"/> reference counts, never through finalizers.
/// </summary>
public static class BufferPool
{
    private const int Buckets = 32;
    private const int MaxPerBucket = 64;
    private static readonly Stack<float[]>[] FloatBuckets = NewBuckets<float>();
    private static readonly Stack<long[]>[] LongBuckets = NewBuckets<long>();

    private static Stack<T[]>[] NewBuckets<T>()
    {
        var b = new Stack<T[]>[Buckets];
        for (int i = 0; i < Buckets; i++) b[i] = new Stack<T[]>();
        return b;
    }

    private static int BucketOf(int length) => length <= 16 ? 4 : BitOperations.Log2((uint)(length - 1)) + 1;

    public static float[] RentFloat(int length) => Rent(FloatBuckets, length);
    public static long[] RentLong(int length) => Rent(LongBuckets, length);
    public static void Return(float[] a) => Return(FloatBuckets, a);
    public static void Return(long[] a) => Return(LongBuckets, a);

    private static T[] Rent<T>(Stack<T[]>[] buckets, int length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), $"buffer length {length} is negative");
        int b = BucketOf(length);
        if (b >= Buckets) throw new ArgumentOutOfRangeException(nameof(length), $"buffer of {length} elements is too large");
        var stack = buckets[b];
        lock (stack)
        {
            if (stack.Count > 0) return stack.Pop();
        }
        return GC.AllocateUninitializedArray<T>(1 << b, pinned: true);
    }

    private static void Return<T>(Stack<T[]>[] buckets, T[] a)
    {
        int b = BitOperations.Log2((uint)a.Length);
        if ((1 << b) != a.Length || b >= Buckets) return;
        var stack = buckets[b];
        lock (stack)
        {
            if (stack.Count < MaxPerBucket) stack.Push(a);
        }
    }
}
