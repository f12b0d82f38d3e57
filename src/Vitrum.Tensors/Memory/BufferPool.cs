using System.Numerics;
using System.Runtime.CompilerServices;

namespace Vitrum.Tensors.Memory;

/// <summary>
/// Process-wide pool of pinned arrays in power-of-two buckets. Pinned (pinned object heap) so that
/// kernels may take raw pointers without <c>fixed</c>; pooled so that a steady-state training step
/// allocates almost nothing on the managed heap. Buffers come back explicitly through
/// <see cref="Storage"/> reference counts, never through finalizers.
/// The pool keeps whatever comes back up to a byte budget rather than a count per bucket: a training
/// step holds all its activations and gradient temporaries until its scope ends (vit_mnist at batch
/// 128: over a hundred 1-2 MB buffers), and a pool that dropped any of them made every step allocate
/// and page-fault ~140 MB of fresh pinned memory (plus gen-2 collections): 5x the step's backward time.
/// </summary>
public static class BufferPool
{
    private const int Buckets = 32;
    private static readonly long MaxPooledBytes = PoolBudget();
    private static long _pooledBytes;
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
            if (stack.Count > 0)
            {
                Interlocked.Add(ref _pooledBytes, -((long)Unsafe.SizeOf<T>() << b));
                return stack.Pop();
            }
        }
        return GC.AllocateUninitializedArray<T>(1 << b, pinned: true);
    }

    private static void Return<T>(Stack<T[]>[] buckets, T[] a)
    {
        int b = BitOperations.Log2((uint)a.Length);
        if ((1 << b) != a.Length || b >= Buckets) return;
        long bytes = (long)Unsafe.SizeOf<T>() << b;
        if (Interlocked.Add(ref _pooledBytes, bytes) > MaxPooledBytes)
        {
            Interlocked.Add(ref _pooledBytes, -bytes);
            return;
        }
        var stack = buckets[b];
        lock (stack) stack.Push(a);
    }

    /// <summary>Bytes currently held for reuse (for tests and diagnostics).</summary>
    public static long PooledBytes => Interlocked.Read(ref _pooledBytes);

    /// <summary>A quarter of the memory the GC may use (6 GB on a 24 GB machine), at least 1 GB.</summary>
    private static long PoolBudget() => Math.Max(1L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);
}
