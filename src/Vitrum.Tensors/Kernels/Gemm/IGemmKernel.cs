namespace Vitrum.Tensors.Kernels;

/// <summary>
/// A register-blocked micro-kernel: C[0..Mr, 0..Nr] (+)= A B for one packed Mr-row panel of A and one
/// Nr-column panel of B, each <c>kc</c> deep. Implemented by structs so the driver, generic over the
/// kernel, is compiled once per kernel with Mr and Nr as constants.
/// </summary>
internal unsafe interface IGemmKernel
{
    /// <summary>Rows of C per tile: the A panel holds Mr floats per depth step.</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of C per tile: a B panel row holds Nr floats.</summary>
    static abstract int Nr { get; }

    /// <summary>
    /// <paramref name="a"/>: kc x Mr, depth-major (a[p*Mr + i]). <paramref name="b"/>: kc rows of Nr floats,
    /// <paramref name="ldb"/> floats apart (Nr for a packed panel, the row stride for B read in place).
    /// C row-major with leading dimension <paramref name="ldc"/>; <paramref name="add"/> adds to C instead of
    /// overwriting it (C is then never read when false, so it may hold garbage).
    /// </summary>
    static abstract void Run(int kc, float* a, float* b, long ldb, float* c, long ldc, bool add);

    /// <summary>
    /// As <see cref="Run"/> for the last panel of A, which holds only <paramref name="rows"/> (&lt; Mr) real
    /// rows: C rows from <paramref name="rows"/> up to Mr may be written with anything. A kernel with a
    /// cheaper variant for few rows uses it here.
    /// </summary>
    static abstract void RunRows(int rows, int kc, float* a, float* b, long ldb, float* c, long ldc, bool add);
}
