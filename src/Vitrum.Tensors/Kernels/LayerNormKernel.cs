using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Fused layer normalization over rows of a contiguous [m, n] matrix: forward writes y and the per-row
/// mean and 1/std kept for backward; backward gives dx, dweight and dbias in two passes over each row.
/// Rows are split into pieces run on the <see cref="WorkerPool"/> when the matrix is large.
/// A null weight means 1 and a null bias 0.
/// </summary>
internal static unsafe class LayerNormKernel
{
    private const int ParallelThreshold = 1 << 15;

    [ThreadStatic] private static ForwardJob? _forward;
    [ThreadStatic] private static BackwardJob? _backward;

    private static int PieceCount(int m, int n) =>
        (long)m * n < ParallelThreshold || WorkerPool.ThreadCount == 1 ? 1 : Math.Min(m, 4 * WorkerPool.ThreadCount);

    public static void Forward(float* x, float* w, float* b, float* y, float* mean, float* rstd, int m, int n, float eps)
    {
        var job = _forward ??= new ForwardJob();
        job.X = x; job.W = w; job.B = b; job.Y = y; job.Mean = mean; job.Rstd = rstd;
        job.M = m; job.N = n; job.Eps = eps; job.Pieces = PieceCount(m, n);
        WorkerPool.For(job.Pieces, job);
    }

    /// <summary>Any of dx, dw, db may be null when that gradient is not wanted; dw and db are overwritten.</summary>
    public static void Backward(float* g, float* x, float* w, float* mean, float* rstd, float* dx, float* dw, float* db, int m, int n)
    {
        var job = _backward ??= new BackwardJob();
        int pieces = PieceCount(m, n);
        // Each piece sums its rows' dw and db into its own slice of a scratch buffer; the slices are added after.
        float[]? partial = dw != null || db != null ? Memory.BufferPool.RentFloat(2 * pieces * n) : null;
        fixed (float* p = partial)
        {
            if (partial != null) new Span<float>(p, 2 * pieces * n).Clear();
            job.G = g; job.X = x; job.W = w; job.Mean = mean; job.Rstd = rstd; job.Dx = dx;
            job.Partial = p; job.WantDw = dw != null; job.WantDb = db != null;
            job.M = m; job.N = n; job.Pieces = pieces;
            WorkerPool.For(pieces, job);
            if (dw != null) SumSlices(p, pieces, n, dw);
            if (db != null) SumSlices(p + pieces * n, pieces, n, db);
        }
        if (partial != null) Memory.BufferPool.Return(partial);
    }

    private static void SumSlices(float* src, int pieces, int n, float* dst)
    {
        new ReadOnlySpan<float>(src, n).CopyTo(new Span<float>(dst, n));
        for (int p = 1; p < pieces; p++) Add(dst, src + (long)p * n, n);
    }

    private sealed class ForwardJob : IParallelJob
    {
        public float* X, W, B, Y, Mean, Rstd;
        public int M, N, Pieces;
        public float Eps;

        public void Execute(int piece)
        {
            int r0 = (int)((long)M * piece / Pieces), r1 = (int)((long)M * (piece + 1) / Pieces);
            for (int r = r0; r < r1; r++)
            {
                float* x = X + (long)r * N;
                float mu = RowSums.Sum<IdentityOp>(x, null, 0f, N) / N;
                float rs = 1f / MathF.Sqrt(RowSums.Sum<SquareOp>(x, null, mu, N) / N + Eps);
                Mean[r] = mu;
                Rstd[r] = rs;
                Normalize(x, W, B, Y + (long)r * N, N, mu, rs);
            }
        }
    }

    private sealed class BackwardJob : IParallelJob
    {
        public float* G, X, W, Mean, Rstd, Dx, Partial;
        public bool WantDw, WantDb;
        public int M, N, Pieces;

        public void Execute(int piece)
        {
            int r0 = (int)((long)M * piece / Pieces), r1 = (int)((long)M * (piece + 1) / Pieces);
            float* dw = WantDw ? Partial + (long)piece * N : null;
            float* db = WantDb ? Partial + (long)(Pieces + piece) * N : null;
            for (int r = r0; r < r1; r++)
            {
                long off = (long)r * N;
                var (sumDxhatXhat, sumDxhat) = BackwardSums(G + off, X + off, W, Mean[r], Rstd[r], dw, db, N);
                if (Dx != null)
                    BackwardDx(G + off, X + off, W, Mean[r], Rstd[r], sumDxhatXhat / N, sumDxhat / N, Dx + off, N);
            }
        }
    }

    // ---- row loops, each at the three widths ----

    /// <summary>y = (x - mean) rstd w + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Normalize(float* x, float* w, float* b, float* y, int n, float mean, float rstd)
    {
        int i = 0;
        if (Simd.Level == SimdLevel.Avx512)
        {
            var vm = Vector512.Create(mean);
            var vr = Vector512.Create(rstd);
            for (; i <= n - 16; i += 16)
            {
                var v = (Vector512.Load(x + i) - vm) * vr;
                if (w != null) v *= Vector512.Load(w + i);
                if (b != null) v += Vector512.Load(b + i);
                v.Store(y + i);
            }
        }
        else if (Simd.Level == SimdLevel.Avx2)
        {
            var vm = Vector256.Create(mean);
            var vr = Vector256.Create(rstd);
            for (; i <= n - 8; i += 8)
            {
                var v = (Vector256.Load(x + i) - vm) * vr;
                if (w != null) v *= Vector256.Load(w + i);
                if (b != null) v += Vector256.Load(b + i);
                v.Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            float v = (x[i] - mean) * rstd;
            if (w != null) v *= w[i];
            if (b != null) v += b[i];
            y[i] = v;
        }
    }

    /// <summary>
    /// With xhat = (x - mean) rstd and dxhat = g w: returns (sum dxhat xhat, sum dxhat) and adds
    /// g xhat to dw and g to db (each skipped when null).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float, float) BackwardSums(float* g, float* x, float* w, float mean, float rstd, float* dw, float* db, int n)
    {
        int i = 0;
        float s1 = 0, s2 = 0;
        if (Simd.Level == SimdLevel.Avx512)
        {
            Vector512<float> a1 = default, a2 = default, vm = Vector512.Create(mean), vr = Vector512.Create(rstd);
            for (; i <= n - 16; i += 16)
            {
                var gv = Vector512.Load(g + i);
                var xhat = (Vector512.Load(x + i) - vm) * vr;
                var dxhat = w != null ? gv * Vector512.Load(w + i) : gv;
                a1 = Vector512.FusedMultiplyAdd(dxhat, xhat, a1);
                a2 += dxhat;
                if (dw != null) Vector512.FusedMultiplyAdd(gv, xhat, Vector512.Load(dw + i)).Store(dw + i);
                if (db != null) (Vector512.Load(db + i) + gv).Store(db + i);
            }
            s1 = Vector512.Sum(a1);
            s2 = Vector512.Sum(a2);
        }
        else if (Simd.Level == SimdLevel.Avx2)
        {
            Vector256<float> a1 = default, a2 = default, vm = Vector256.Create(mean), vr = Vector256.Create(rstd);
            for (; i <= n - 8; i += 8)
            {
                var gv = Vector256.Load(g + i);
                var xhat = (Vector256.Load(x + i) - vm) * vr;
                var dxhat = w != null ? gv * Vector256.Load(w + i) : gv;
                a1 = Vector256.FusedMultiplyAdd(dxhat, xhat, a1);
                a2 += dxhat;
                if (dw != null) Vector256.FusedMultiplyAdd(gv, xhat, Vector256.Load(dw + i)).Store(dw + i);
                if (db != null) (Vector256.Load(db + i) + gv).Store(db + i);
            }
            s1 = Vector256.Sum(a1);
            s2 = Vector256.Sum(a2);
        }
        for (; i < n; i++)
        {
            float xhat = (x[i] - mean) * rstd;
            float dxhat = w != null ? g[i] * w[i] : g[i];
            s1 += dxhat * xhat;
            s2 += dxhat;
            if (dw != null) dw[i] += g[i] * xhat;
            if (db != null) db[i] += g[i];
        }
        return (s1, s2);
    }

    /// <summary>dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardDx(float* g, float* x, float* w, float mean, float rstd, float c1, float c2, float* dx, int n)
    {
        int i = 0;
        if (Simd.Level == SimdLevel.Avx512)
        {
            Vector512<float> vm = Vector512.Create(mean), vr = Vector512.Create(rstd), v1 = Vector512.Create(c1), v2 = Vector512.Create(c2);
            for (; i <= n - 16; i += 16)
            {
                var gv = Vector512.Load(g + i);
                var xhat = (Vector512.Load(x + i) - vm) * vr;
                var dxhat = w != null ? gv * Vector512.Load(w + i) : gv;
                (vr * (dxhat - v2 - xhat * v1)).Store(dx + i);
            }
        }
        else if (Simd.Level == SimdLevel.Avx2)
        {
            Vector256<float> vm = Vector256.Create(mean), vr = Vector256.Create(rstd), v1 = Vector256.Create(c1), v2 = Vector256.Create(c2);
            for (; i <= n - 8; i += 8)
            {
                var gv = Vector256.Load(g + i);
                var xhat = (Vector256.Load(x + i) - vm) * vr;
                var dxhat = w != null ? gv * Vector256.Load(w + i) : gv;
                (vr * (dxhat - v2 - xhat * v1)).Store(dx + i);
            }
        }
        for (; i < n; i++)
        {
            float xhat = (x[i] - mean) * rstd;
            float dxhat = w != null ? g[i] * w[i] : g[i];
            dx[i] = rstd * (dxhat - c2 - xhat * c1);
        }
    }

    private static void Add(float* dst, float* src, int n) =>
        System.Numerics.Tensors.TensorPrimitives.Add(new ReadOnlySpan<float>(dst, n), new ReadOnlySpan<float>(src, n), new Span<float>(dst, n));
}
