using System.Runtime.InteropServices;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// A 64-byte aligned native buffer for packed panels, rented from a small process-wide pool and grown on
/// demand, so steady-state GEMM calls allocate nothing and a thread that dies leaks nothing.
/// </summary>
internal sealed unsafe class GemmBuffer
{
    private static readonly GemmBuffer?[] Free = new GemmBuffer?[16];
    private float* _ptr;
    private long _capacity;

    /// <summary>A buffer of at least <paramref name="floats"/> floats; its contents are undefined.</summary>
    public float* Ensure(long floats)
    {
        if (floats > _capacity)
        {
            NativeMemory.AlignedFree(_ptr);
            _ptr = null;
            _capacity = 0;
            _ptr = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            _capacity = floats;
        }
        return _ptr;
    }

    public static GemmBuffer Rent()
    {
        for (int i = 0; i < Free.Length; i++)
        {
            var b = Interlocked.Exchange(ref Free[i], null);
            if (b != null) return b;
        }
        return new GemmBuffer();
    }

    public static void Return(GemmBuffer buffer)
    {
        for (int i = 0; i < Free.Length; i++)
            if (Interlocked.CompareExchange(ref Free[i], buffer, null) == null) return;
        NativeMemory.AlignedFree(buffer._ptr);
        buffer._ptr = null;
        buffer._capacity = 0;
    }
}
