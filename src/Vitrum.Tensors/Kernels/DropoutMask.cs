using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Dropout decisions as a pure function of a key and an element's index: element e is dropped when 32 bits
/// of SplitMix64's finalizer of (key + e / 2) (the low half for even e, the high half for odd e), read as a
/// fraction of 2^32, fall below p; kept elements are scaled by 1/(1-p). Because nothing but the index
/// decides, the fused attention kernel can draw the mask of a score block in its forward pass and draw it
/// again in its backward pass without storing it, whichever thread runs which block, and 16 decisions come
/// from one Vector512 step (drawing from a generator element by element took 30 ms of a 215 ms
/// g2p_transformer step). The default value is inactive: it keeps everything.
/// </summary>
internal readonly struct DropoutMask
{
    public readonly bool Active;
    public readonly ulong Key;
    private readonly uint _threshold;
    public readonly float KeepScale;

    /// <param name="p">drop probability in (0, 1)</param>
    /// <param name="key">one draw from the caller's generator</param>
    public DropoutMask(float p, ulong key)
    {
        Active = true;
        Key = key;
        _threshold = (uint)Math.Min(uint.MaxValue, p * 4294967296.0);
        KeepScale = 1f / (1f - p);
    }

    /// <summary>s[i] = 0 or 1/(1-p), the mask value of element <paramref name="first"/> + i, for i &lt; n.</summary>
    public unsafe void Fill(float* s, long n, long first) => Run(s, n, first, overwrite: true);

    /// <summary>
    /// As <see cref="Fill"/> from element 0, split over the worker pool for large masks (a dropout layer of a
    /// training step draws millions of decisions); each piece draws its own range, so the mask is the same.
    /// </summary>
    public unsafe void FillParallel(float* s, long n)
    {
        int threads = Threading.WorkerPool.AvailableThreads;
        if (threads == 1 || n < ElementwiseParallel.MinElements)
        {
            Fill(s, n, 0);
            return;
        }
        var job = FillJob.Instance ??= new FillJob();
        job.Mask = this;
        job.S = s;
        job.N = n;
        job.Chunk = ElementwiseParallel.ChunkLength(n, threads);
        Threading.WorkerPool.For((int)((n + job.Chunk - 1) / job.Chunk), job);
    }

    private sealed unsafe class FillJob : Threading.IParallelJob
    {
        [ThreadStatic] public static FillJob? Instance;
        public DropoutMask Mask;
        public float* S;
        public long N, Chunk;

        public void Execute(int index)
        {
            long i0 = index * Chunk;
            Mask.Fill(S + i0, Math.Min(Chunk, N - i0), i0);
        }
    }

    /// <summary>s[i] *= the mask value of element <paramref name="first"/> + i, for i &lt; n.</summary>
    public unsafe void Apply(float* s, int n, long first) => Run(s, n, first, overwrite: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Run(float* s, long n, long first, bool overwrite)
    {
        long i = 0;
        // A pair of elements shares one 64-bit hash: start the vector loop on a pair boundary.
        if ((first & 1) != 0 && n > 0) { Element(s, 0, first, overwrite); i = 1; }
        if (Vector512.IsHardwareAccelerated)
        {
            var pairs = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7) + Vector512.Create(Key + (ulong)((first + i) >> 1));
            var step = Vector512.Create(8UL);
            var th = Vector512.Create(_threshold);
            var keep = Vector512.Create(KeepScale);
            for (; i <= n - 16; i += 16, pairs += step)
            {
                var m = Vector512.ConditionalSelect(Vector512.LessThan(Mix(pairs).AsUInt32(), th).AsSingle(), Vector512<float>.Zero, keep);
                (overwrite ? m : Vector512.Load(s + i) * m).Store(s + i);
            }
            if (n - i >= 2)
            {
                // The tail (attention rows of a 9-token batch are all tail) from one more vector of decisions:
                // a hash per element costs more than the 16 of one vector step.
                float* tail = stackalloc float[16];
                Vector512.ConditionalSelect(Vector512.LessThan(Mix(pairs).AsUInt32(), th).AsSingle(), Vector512<float>.Zero, keep).Store(tail);
                for (int k = 0; i < n; i++, k++) s[i] = overwrite ? tail[k] : s[i] * tail[k];
            }
        }
        for (; i < n; i++) Element(s, i, first, overwrite);
    }

    private unsafe void Element(float* s, long i, long first, bool overwrite)
    {
        long e = first + i;
        ulong r = Mix(Key + (ulong)(e >> 1));
        uint half = (uint)((e & 1) == 0 ? r : r >> 32);
        float m = half < _threshold ? 0f : KeepScale;
        s[i] = overwrite ? m : s[i] * m;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static Vector512<ulong> Mix(Vector512<ulong> z)
    {
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Vector512.Create(0x94D049BB133111EBUL);
        return z ^ Vector512.ShiftRightLogical(z, 31);
    }
}
