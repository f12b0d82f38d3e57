using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Single-precision matrix multiply over strided operands: C[m,n] (+)= A[m,k] B[k,n] with
/// A(i,p) = a[i*rsA + p*csA], B(p,j) = b[p*rsB + j*csB] and C row-major with leading dimension ldc.
/// Transposed operands are just other strides: the packing routines read them, nothing is copied.
/// The micro-kernel is chosen from <see cref="Simd.Level"/> on every call, threads from
/// <see cref="WorkerPool.ThreadCount"/>.
/// </summary>
public static unsafe partial class Gemm
{
    /// <summary>Below this many multiply-adds a GEMM runs on one thread: waking the pool would cost more than it saves.</summary>
    private const double ParallelWork = 1 << 20;

    /// <summary>Batches of at least this many entries per thread are split by entry even when the split is uneven.</summary>
    private const int EntriesPerThread = 4;

    public static void Sgemm(int m, int n, int k, float* a, int rsA, int csA, float* b, int rsB, int csB,
        float* c, int ldc, bool accumulate)
    {
        if (m <= 0 || n <= 0) return;
        var g = new GemmArgs(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate);
        if (ProfileHooks.Gemm is { } profile)
        {
            double start = ProfileHooks.Clock();
            Dispatch(g);
            profile(m, n, k, 1, ProfileHooks.Clock() - start);
        }
        else Dispatch(g);
    }

    /// <summary>
    /// C[m, out] = residual + act(bias + A[m, in] W^T) with W pre-packed (<see cref="PackedWeight"/>, usable at the
    /// current <see cref="Simd.Level"/>): a linear layer in inference, its epilogue applied to each block of C while it
    /// is in cache. <paramref name="bias"/> ([out]) and <paramref name="residual"/> (rows of out floats
    /// <paramref name="ldr"/> apart) may be null; <paramref name="gelu"/> applies the exact GELU after the bias.
    /// </summary>
    internal static void SgemmPacked(int m, float* a, long rsA, long csA, PackedWeight w, float* c, long ldc,
        float* bias, bool gelu, float* residual, long ldr)
    {
        if (m <= 0) return;
        if (!w.Usable) throw new InvalidOperationException($"SgemmPacked: weight [{w.Out}, {w.In}] was packed for {w.Level}, the kernels run at {Simd.Level}");
        var e = new GemmEpilogue(bias, gelu, residual, ldr);
        double start = ProfileHooks.Gemm == null ? 0 : ProfileHooks.Clock();
        int threads = (double)m * w.Out * w.In >= ParallelWork ? WorkerPool.AvailableThreads : 1;
        if (Simd.Level == SimdLevel.Avx512) GemmPackedB.Run<GemmKernel512>(m, a, rsA, csA, w, c, ldc, e, threads);
        else GemmPackedB.Run<GemmKernel256>(m, a, rsA, csA, w, c, ldc, e, threads);
        ProfileHooks.Gemm?.Invoke(m, w.Out, w.In, 1, ProfileHooks.Clock() - start);
    }

    private static void Dispatch(in GemmArgs g)
    {
        switch (Simd.Level)
        {
            case SimdLevel.Avx512: Run<GemmKernel512>(g, WorkerPool.AvailableThreads); break;
            case SimdLevel.Avx2: Run<GemmKernel256>(g, WorkerPool.AvailableThreads); break;
            default: Run<GemmKernelScalar>(g, WorkerPool.AvailableThreads); break;
        }
    }

    /// <summary>
    /// Many independent GEMMs of one shape (attention heads, windows), operands a fixed stride apart
    /// (a stride of 0 reuses one operand for every entry). Threads take whole entries when there are
    /// enough of them, so small GEMMs are never dispatched one by one.
    /// </summary>
    public static void SgemmBatched(int batch, int m, int n, int k,
        float* a, long strideA, int rsA, int csA,
        float* b, long strideB, int rsB, int csB,
        float* c, long strideC, int ldc, bool accumulate)
    {
        if (batch <= 0 || m <= 0 || n <= 0) return;
        var g = new GemmArgs(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate);
        double start = ProfileHooks.Gemm == null ? 0 : ProfileHooks.Clock();
        switch (Simd.Level)
        {
            case SimdLevel.Avx512: RunBatched<GemmKernel512>(batch, g, strideA, strideB, strideC); break;
            case SimdLevel.Avx2: RunBatched<GemmKernel256>(batch, g, strideA, strideB, strideC); break;
            default: RunBatched<GemmKernelScalar>(batch, g, strideA, strideB, strideC); break;
        }
        ProfileHooks.Gemm?.Invoke(m, n, k, batch, ProfileHooks.Clock() - start);
    }

    private static void Run<TK>(in GemmArgs g, int threads) where TK : IGemmKernel
    {
        if (g.K <= 0)
        {
            if (!g.Accumulate)
                for (int i = 0; i < g.M; i++) new Span<float>(g.C + i * g.Ldc, g.N).Clear();
        }
        else if (GemmDots.Suits(g)) GemmDots.Run(g);
        else if (Simd.Level == SimdLevel.Avx512 && (double)g.M * g.N * g.K <= GemmSmall.Work) GemmSmall.Run(g);
        else if (Simd.Level == SimdLevel.Avx512 && GemmSmall.SuitsSkinny(g))
        {
            if (threads > 1 && (double)g.M * g.N * g.K >= ParallelWork && g.M >= SkinnyRows.MinRows * threads) SkinnyRows.Run(g, threads);
            else GemmSmall.Run(g);
        }
        else if (threads > 1 && (double)g.M * g.N * g.K >= ParallelWork)
        {
            if (GemmDepthParallel.Suits(g, threads)) GemmDepthParallel.Run<TK>(g, threads);
            else if (GemmRowParallel.Suits<TK>(g, threads)) GemmRowParallel.Run<TK>(g, threads);
            else if (GemmParallel.Suits<TK>(g)) GemmParallel.Run<TK>(g, threads);
            else if (GemmRowParallel.SuitsShared<TK>(g, threads)) GemmRowParallel.Run<TK>(g, threads);
            else GemmTileParallel.Run<TK>(g, threads);
        }
        else GemmDriver.Serial<TK>(g);
    }

    private static void RunBatched<TK>(int batch, in GemmArgs g, long strideA, long strideB, long strideC) where TK : IGemmKernel
    {
        int threads = WorkerPool.AvailableThreads;
        // Whole entries per thread when they share out evenly (or are too many or too small to split);
        // otherwise, e.g. 3 large entries on 2 threads, each entry is split across all threads.
        bool byEntry = threads > 1 && batch > 1
            && (batch % threads == 0 || batch >= EntriesPerThread * threads || (double)g.M * g.N * g.K < ParallelWork);
        if (byEntry)
        {
            var job = BatchJob<TK>.Instance ??= new BatchJob<TK>();
            job.Set(g, strideA, strideB, strideC);
            WorkerPool.For(batch, job);
            return;
        }
        for (int i = 0; i < batch; i++)
            Run<TK>(g.At(g.A + i * strideA, g.B + i * strideB, g.C + i * strideC), threads);
    }

    /// <summary>One batch entry per piece, each on a single thread.</summary>
    private sealed class BatchJob<TK> : IParallelJob where TK : IGemmKernel
    {
        [ThreadStatic] public static BatchJob<TK>? Instance;
        private GemmArgs _g;
        private long _strideA, _strideB, _strideC;

        public void Set(in GemmArgs g, long strideA, long strideB, long strideC)
        {
            _g = g; _strideA = strideA; _strideB = strideB; _strideC = strideC;
        }

        public void Execute(int index)
            => Run<TK>(_g.At(_g.A + index * _strideA, _g.B + index * _strideB, _g.C + index * _strideC), 1);
    }
}
