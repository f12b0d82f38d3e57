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

    /// <summary>The block of rows [r0, r0 + rows) and columns [c0, c0 + cols) of C, over the whole depth.</summary>
    public GemmArgs Block(int r0, int rows, int c0, int cols)
        => new(rows, cols, K, A + r0 * RsA, RsA, CsA, B + c0 * CsB, RsB, CsB, C + r0 * Ldc + c0, Ldc, Accumulate);

    public double Flops => 2.0 * M * N * K;
}
