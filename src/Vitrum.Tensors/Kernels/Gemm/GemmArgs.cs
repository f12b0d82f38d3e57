namespace Vitrum.Tensors.Kernels;

/// <summary>One strided GEMM problem: C[m,n] (+)= A[m,k] B[k,n] (see <see cref="Gemm.Sgemm"/>).</summary>
internal readonly unsafe struct GemmArgs
{
    public readonly int M, N, K;
    public readonly float* A, B, C;
    public readonly long RsA, CsA, RsB, CsB, Ldc;
    public readonly bool Accumulate;

    public GemmArgs(int m, int n, int k, float* a, long rsA, long csA, float* b, long rsB, long csB, float* c, long ldc, bool accumulate)
    {
        M = m; N = n; K = k;
        A = a; RsA = rsA; CsA = csA;
        B = b; RsB = rsB; CsB = csB;
        C = c; Ldc = ldc;
        Accumulate = accumulate;
    }

    /// <summary>The same problem on other operands (entry i of a batch).</summary>
    public GemmArgs At(float* a, float* b, float* c) => new(M, N, K, a, RsA, CsA, b, RsB, CsB, c, Ldc, Accumulate);

    public double Flops => 2.0 * M * N * K;
}
