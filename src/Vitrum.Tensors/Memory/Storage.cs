namespace Vitrum.Tensors.Memory;

/// <summary>
/// A reference-counted buffer shared by a tensor and its views. When the last tensor referring to
/// it is disposed the array goes back to <see cref="BufferPool"/>; a storage that is never released
/// is simply collected by the GC.
/// </summary>
internal sealed class Storage
{
    public float[]? F;
    public long[]? L;
    public readonly int Length;
    private int _refs;

    private Storage(float[]? f, long[]? l, int length)
    {
        F = f; L = l; Length = length; _refs = 0;
    }

    /// <summary>Uninitialized pooled float storage (pinned, so kernels may use raw pointers).</summary>
    public static Storage NewFloat(int length) => new(BufferPool.RentFloat(length), null, length);
    public static Storage NewLong(int length) => new(null, BufferPool.RentLong(length), length);

    /// <summary>True when exactly one tensor object refers to this buffer.</summary>
    public bool IsExclusive => Volatile.Read(ref _refs) == 1;

    /// <summary>Zeros the whole buffer.</summary>
    public void Clear()
    {
        F?.AsSpan(0, Length).Clear();
        L?.AsSpan(0, Length).Clear();
    }

    public void AddRef() => Interlocked.Increment(ref _refs);

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) != 0) return;
        if (F != null) BufferPool.Return(F);
        if (L != null) BufferPool.Return(L);
        F = null; L = null;
    }
}
