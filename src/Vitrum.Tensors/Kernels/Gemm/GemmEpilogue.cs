using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// What a GEMM does around its store, on each block of C while the block is still in cache: C starts from the bias
/// row (as the unfused linear layer writes the bias first and accumulates onto it), and after the last depth slice
/// the activation and then the residual are applied: C = residual + act(bias + A B). Each step computes what the
/// unfused op computes, so the fused result equals bias, GELU and add run one after the other.
/// </summary>
internal readonly unsafe struct GemmEpilogue
{
    /// <summary>[N] or null.</summary>
    public readonly float* Bias;

    /// <summary>Exact GELU (<see cref="GeluOp"/>) after the bias.</summary>
    public readonly bool Gelu;

    /// <summary>Rows of N floats <see cref="Ldr"/> apart, added last; or null.</summary>
    public readonly float* Residual;

    public readonly long Ldr;

    public GemmEpilogue(float* bias, bool gelu, float* residual, long ldr)
    {
        Bias = bias; Gelu = gelu; Residual = residual; Ldr = ldr;
    }

    /// <summary>Anything to do after the last slice.</summary>
    public bool HasTail => Gelu || Residual != null;

    /// <summary>Rows [r0, r0 + rows) x columns [c0, c0 + cols) of C set to the bias.</summary>
    public void FillBias(float* c, long ldc, int r0, int rows, int c0, int cols)
    {
        var src = new ReadOnlySpan<float>(Bias + c0, cols);
        for (int r = 0; r < rows; r++) src.CopyTo(new Span<float>(c + (r0 + r) * ldc + c0, cols));
    }

    /// <summary>The activation and the residual on rows [r0, r0 + rows) x columns [c0, c0 + cols) of C, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ApplyTail(float* c, long ldc, int r0, int rows, int c0, int cols)
    {
        for (int r = r0; r < r0 + rows; r++)
        {
            float* d = c + r * ldc + c0;
            float* res = Residual == null ? null : Residual + r * Ldr + c0;
            int q = 0;
            if (Simd.Level == SimdLevel.Avx512)
                for (; q + 16 <= cols; q += 16)
                {
                    var v = Avx512F.LoadVector512(d + q);
                    if (Gelu) v = GeluOp.Apply(v);
                    if (res != null) v = Avx512F.LoadVector512(res + q) + v;
                    Avx512F.Store(d + q, v);
                }
            if (Simd.Level >= SimdLevel.Avx2)
                for (; q + 8 <= cols; q += 8)
                {
                    var v = Avx.LoadVector256(d + q);
                    if (Gelu) v = GeluOp.Apply(v);
                    if (res != null) v = Avx.LoadVector256(res + q) + v;
                    Avx.Store(d + q, v);
                }
            for (; q < cols; q++)
            {
                float v = d[q];
                if (Gelu) v = GeluOp.Apply(v);
                if (res != null) v = res[q] + v;
                d[q] = v;
            }
        }
    }
}
