using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// C (m x n) (+)= A (m x k) B (k x n) for up to eight rows of A against a B whose columns are contiguous
/// (B = W^T of a linear layer: rsB == 1), as one decoding step of one or a few sequences (or beams) does: n dot
/// products of length k per row, reading W in place, each loaded vector of B shared by up to four rows. The small path would first transpose all of B (k x n floats) for
/// that little work, and the packed path pack all of it; at m = 1, n = 1024, k = 256 either costs several
/// times the arithmetic.
/// </summary>
internal static unsafe class GemmDots
{
    public const int MaxRows = 8;

    /// <summary>Above this many multiply-adds the threaded packed paths are left to do the work (this path is serial).</summary>
    public const double MaxWork = 1 << 24;

    public static bool Suits(in GemmArgs g) =>
        g.M <= MaxRows && g.RsB == 1 && g.CsB != 1 && g.CsA == 1 && (double)g.M * g.N * g.K <= MaxWork && Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmArgs g)
    {
        int i = 0;
        for (; i + 4 <= g.M; i += 4) Rows4(g, i);
        for (; i < g.M; i++)
        {
            float* a = g.A + i * g.RsA;
            float* c = g.C + i * g.Ldc;
            for (int j = 0; j < g.N; j++) Put(c + j, Dot(a, g.B + j * g.CsB, g.K), g.Accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, float s, bool accumulate) => *c = accumulate ? *c + s : s;

    /// <summary>Rows i..i+3: one accumulator each (four independent FMA chains), every B vector loaded once for the four.</summary>
    private static void Rows4(in GemmArgs g, int i)
    {
        float* a0 = g.A + i * g.RsA, a1 = a0 + g.RsA, a2 = a1 + g.RsA, a3 = a2 + g.RsA;
        float* c0 = g.C + i * g.Ldc;
        int k = g.K;
        for (int j = 0; j < g.N; j++)
        {
            float* b = g.B + j * g.CsB;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int t = 0;
            for (; t + 16 <= k; t += 16)
            {
                var vb = Vector512.Load(b + t);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a0 + t), vb, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a1 + t), vb, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(a2 + t), vb, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(a3 + t), vb, s3);
            }
            float r0 = Vector512.Sum(s0), r1 = Vector512.Sum(s1), r2 = Vector512.Sum(s2), r3 = Vector512.Sum(s3);
            for (; t < k; t++)
            {
                float bt = b[t];
                r0 += a0[t] * bt; r1 += a1[t] * bt; r2 += a2[t] * bt; r3 += a3[t] * bt;
            }
            Put(c0 + j, r0, g.Accumulate);
            Put(c0 + g.Ldc + j, r1, g.Accumulate);
            Put(c0 + 2 * g.Ldc + j, r2, g.Accumulate);
            Put(c0 + 3 * g.Ldc + j, r3, g.Accumulate);
        }
    }

    /// <summary>sum a[t] b[t] over t &lt; k with four independent 16-lane accumulators (FMA latency hidden).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int k)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int t = 0;
        for (; t + 64 <= k; t += 64)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + t), Vector512.Load(b + t), s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + t + 16), Vector512.Load(b + t + 16), s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Load(a + t + 32), Vector512.Load(b + t + 32), s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Load(a + t + 48), Vector512.Load(b + t + 48), s3);
        }
        for (; t + 16 <= k; t += 16) s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + t), Vector512.Load(b + t), s0);
        float s = Vector512.Sum((s0 + s1) + (s2 + s3));
        for (; t < k; t++) s += a[t] * b[t];
        return s;
    }
}
