using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vitrum.Tensors;
using Vitrum.Tensors.Threading;

namespace Vitrum.Nn.Optim;

/// <summary>
/// The Adam/AdamW element update, vectorized and shared out over the worker pool in chunks. It is memory
/// bound (four arrays read, three written): the scalar loop took 73 ms of a 930 ms ViT-S training step on
/// 22M parameters. Vector lanes do the same float operations in the same order as the scalar tail, so the
/// result does not depend on the vector width or on the chunking.
/// </summary>
internal sealed class AdamKernel : IParallelJob
{
    /// <summary>Elements per pool piece; tensors up to twice this size are updated on the calling thread.</summary>
    private const int Chunk = 16384;

    [ThreadStatic] private static AdamKernel? _instance;
    private Tensor _p = null!, _g = null!, _m = null!, _v = null!;
    private Scalars _s;

    /// <summary>The step's constants: <c>Decay</c> multiplies p first (AdamW), <c>L2</c> adds wd * p to the gradient (Adam).</summary>
    public readonly record struct Scalars(float B1, float B2, float A1, float A2, float StepSize, float Bc2Sqrt, float Eps, float Decay, float L2);

    public static void Update(Tensor p, Tensor grad, Tensor m, Tensor v, in Scalars s)
    {
        long n = p.Numel;
        if (n <= 2 * Chunk || WorkerPool.AvailableThreads == 1)
        {
            Run(p.AsSpan(), grad.AsSpan(), m.AsSpan(), v.AsSpan(), s);
            return;
        }
        var job = _instance ??= new AdamKernel();
        (job._p, job._g, job._m, job._v, job._s) = (p, grad, m, v, s);
        try
        {
            WorkerPool.For((int)((n + Chunk - 1) / Chunk), job);
        }
        finally
        {
            job._p = job._g = job._m = job._v = null!;
        }
    }

    public void Execute(int index)
    {
        int start = index * Chunk, len = (int)Math.Min(Chunk, _p.Numel - start);
        Run(_p.AsSpan().Slice(start, len), _g.AsSpan().Slice(start, len), _m.AsSpan().Slice(start, len), _v.AsSpan().Slice(start, len), _s);
    }

    private static void Run(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in Scalars s)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float rp = ref MemoryMarshal.GetReference(p), rm = ref MemoryMarshal.GetReference(m), rv = ref MemoryMarshal.GetReference(v);
            ref float rg = ref MemoryMarshal.GetReference(g);
            var b1 = Vector256.Create(s.B1); var b2 = Vector256.Create(s.B2);
            var a1 = Vector256.Create(s.A1); var a2 = Vector256.Create(s.A2);
            var step = Vector256.Create(s.StepSize); var bc2 = Vector256.Create(s.Bc2Sqrt);
            var eps = Vector256.Create(s.Eps); var decay = Vector256.Create(s.Decay); var l2 = Vector256.Create(s.L2);
            for (; i <= p.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var gi = Vector256.LoadUnsafe(ref rg, (nuint)i);
                var pi = Vector256.LoadUnsafe(ref rp, (nuint)i);
                if (s.Decay != 1) pi *= decay;
                if (s.L2 != 0) gi += l2 * pi;
                var mi = Vector256.LoadUnsafe(ref rm, (nuint)i) * b1 + a1 * gi;
                var vi = Vector256.LoadUnsafe(ref rv, (nuint)i) * b2 + a2 * gi * gi;
                var denom = Vector256.Sqrt(vi) / bc2 + eps;
                pi -= step * (mi / denom);
                mi.StoreUnsafe(ref rm, (nuint)i);
                vi.StoreUnsafe(ref rv, (nuint)i);
                pi.StoreUnsafe(ref rp, (nuint)i);
            }
        }
        for (; i < p.Length; i++) Scalar(ref p[i], g[i], ref m[i], ref v[i], s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scalar(ref float p, float g, ref float m, ref float v, in Scalars s)
    {
        if (s.Decay != 1) p *= s.Decay;
        if (s.L2 != 0) g += s.L2 * p;
        m = m * s.B1 + s.A1 * g;
        v = v * s.B2 + s.A2 * g * g;
        float denom = MathF.Sqrt(v) / s.Bc2Sqrt + s.Eps;
        p -= s.StepSize * (m / denom);
    }
}
