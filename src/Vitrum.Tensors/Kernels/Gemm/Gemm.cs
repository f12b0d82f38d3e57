namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Single-precision matrix multiply over strided operands: C[m,n] (+)= A[m,k] B[k,n] with
/// A(i,p) = a[i*rsA + p*csA], B(p,j) = b[p*rsB + j*csB] and C row-major with leading dimension ldc.
/// Transposed operands are just other strides: the packing routines read them, nothing is copied.
/// </summary>
public static unsafe partial class Gemm
{
    public static void Sgemm(int m, int n, int k, float* a, int rsA, int csA, float* b, int rsB, int csB,
        float* c, int ldc, bool accumulate)
    {
        if (m <= 0 || n <= 0) return;
        var g = new GemmArgs(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate);
        if (k <= 0)
        {
            if (!accumulate) ClearC(g);
            return;
        }
        switch (Simd.Level)
        {
            case SimdLevel.Avx512: GemmDriver.Serial<GemmKernel512>(g); break;
            case SimdLevel.Avx2: GemmDriver.Serial<GemmKernel256>(g); break;
            default: GemmDriver.Serial<GemmKernelScalar>(g); break;
        }
    }

    /// <summary>Many independent GEMMs of one shape (attention heads, windows), operands a fixed stride apart.</summary>
    public static void SgemmBatched(int batch, int m, int n, int k,
        float* a, long strideA, int rsA, int csA,
        float* b, long strideB, int rsB, int csB,
        float* c, long strideC, int ldc, bool accumulate)
    {
        for (int i = 0; i < batch; i++)
            Sgemm(m, n, k, a + i * strideA, rsA, csA, b + i * strideB, rsB, csB, c + i * strideC, ldc, accumulate);
    }

    private static void ClearC(in GemmArgs g)
    {
        for (int i = 0; i < g.M; i++) new Span<float>(g.C + i * g.Ldc, g.N).Clear();
    }
}
