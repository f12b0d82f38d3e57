using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Threading;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// The fast SGEMM against the double-precision reference: every micro-kernel (forced through
/// Simd.Level), one and two threads, all operand layouts (row-major, transposed, and neither stride 1),
/// overwrite and accumulate, batched with batch strides. Errors are bounded relative to
/// sum_p |A(i,p)| |B(p,j)|, the scale of float rounding in a length-k dot product.
/// </summary>
[Collection("GlobalKernelState")]
public unsafe class GemmTests
{
    private const double Rtol = 1e-5;

    /// <summary>A logical matrix stored with given strides inside a larger buffer (padding holds sentinels).</summary>
    private sealed class Operand
    {
        public readonly float[] Data;
        public readonly int Rs, Cs;

        public Operand(float[,] logical, string layout, Random rnd)
        {
            int rows = logical.GetLength(0), cols = logical.GetLength(1);
            (Rs, Cs, int size) = layout switch
            {
                "N" => (cols + 3, 1, rows * (cols + 3)),            // row-major, padded rows
                "T" => (1, rows + 2, cols * (rows + 2)),            // column-major: a transposed operand
                _ => (2 * cols + 1, 2, rows * (2 * cols + 1)),      // neither stride is 1
            };
            Data = new float[Math.Max(size, 1)];
            for (int i = 0; i < Data.Length; i++) Data[i] = (float)(rnd.NextDouble() * 1e6);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) Data[i * Rs + j * Cs] = logical[i, j];
        }
    }

    private static readonly string[] Layouts = { "N", "T", "S" };

    private static IEnumerable<SimdLevel> Levels()
        => Enum.GetValues<SimdLevel>().Where(l => l <= Simd.Detected);

    private static float[,] RandomMatrix(Random rnd, int rows, int cols)
    {
        var x = new float[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) x[i, j] = (float)(rnd.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Reference product and its error scale sum_p |a||b|, both in double.</summary>
    private static (double[,] value, double[,] scale) Reference(float[,] a, float[,] b)
    {
        int m = a.GetLength(0), k = a.GetLength(1), n = b.GetLength(1);
        var value = new double[m, n];
        var scale = new double[m, n];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
            {
                double x = a[i, p];
                for (int j = 0; j < n; j++)
                {
                    value[i, j] += x * b[p, j];
                    scale[i, j] += Math.Abs(x * b[p, j]);
                }
            }
        return (value, scale);
    }

    private static void WithSettings(SimdLevel level, int threads, Action body)
    {
        var (oldLevel, oldThreads) = (Simd.Level, WorkerPool.ThreadCount);
        try
        {
            Simd.Level = level;
            WorkerPool.ThreadCount = threads;
            body();
        }
        finally
        {
            Simd.Level = oldLevel;
            WorkerPool.ThreadCount = oldThreads;
        }
    }

    /// <summary>Runs one Sgemm into a padded C (ldc = n + 5) and checks every element and the untouched padding.</summary>
    private static void CheckSgemm(float[,] a, float[,] b, (double[,] value, double[,] scale) expected,
        string layoutA, string layoutB, bool accumulate, string what)
    {
        int m = a.GetLength(0), k = a.GetLength(1), n = b.GetLength(1), ldc = n + 5;
        var rnd = new Random(m * 31 + n * 7 + k);
        var oa = new Operand(a, layoutA, rnd);
        var ob = new Operand(b, layoutB, rnd);
        var c = new float[m * ldc];
        for (int i = 0; i < c.Length; i++) c[i] = accumulate ? (float)(rnd.NextDouble() - 0.5) : float.NaN;
        var before = (float[])c.Clone();
        fixed (float* pa = oa.Data, pb = ob.Data, pc = c)
            Gemm.Sgemm(m, n, k, pa, oa.Rs, oa.Cs, pb, ob.Rs, ob.Cs, pc, ldc, accumulate);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double want = expected.value[i, j] + (accumulate ? before[i * ldc + j] : 0);
                double tol = Rtol * (expected.scale[i, j] + (accumulate ? Math.Abs(before[i * ldc + j]) : 0)) + 1e-30;
                double got = c[i * ldc + j];
                if (!(Math.Abs(got - want) <= tol))
                    Assert.Fail($"{what} A:{layoutA} B:{layoutB} accumulate={accumulate}: C[{i},{j}] = {got}, expected {want} (tol {tol:G3})");
            }
            for (int j = n; j < ldc && i < m - 1; j++)
                if (BitConverter.SingleToInt32Bits(c[i * ldc + j]) != BitConverter.SingleToInt32Bits(before[i * ldc + j]))
                    Assert.Fail($"{what}: padding C[{i},{j}] was overwritten");
        }
    }

    private static void CheckAllPaths(int m, int n, int k, int seed)
    {
        var rnd = new Random(seed);
        var a = RandomMatrix(rnd, m, k);
        var b = RandomMatrix(rnd, k, n);
        var expected = Reference(a, b);
        int combo = 0;
        foreach (var level in Levels())
            foreach (int threads in new[] { 1, 2 })
                WithSettings(level, threads, () =>
                {
                    foreach (var la in Layouts)
                        foreach (var lb in Layouts)
                            CheckSgemm(a, b, expected, la, lb, accumulate: combo++ % 2 == 1, $"{m}x{n}x{k} {level} threads={threads}");
                });
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 37, 5)]
    [InlineData(13, 1, 29)]
    [InlineData(7, 11, 1)]
    [InlineData(14, 32, 16)]
    [InlineData(18, 64, 40)]
    [InlineData(13, 33, 17)]
    [InlineData(23, 47, 61)]
    [InlineData(61, 67, 389)]
    [InlineData(197, 64, 96)]
    public void Sgemm_matches_reference_on_every_path_and_layout(int m, int n, int k)
        => CheckAllPaths(m, n, k, seed: m * 1000 + n * 10 + k);

    [Fact]
    public void Sgemm_matches_reference_on_a_large_multi_slice_problem()
        => CheckAllPaths(300, 500, 700, seed: 5);

    [Fact]
    public void Sgemm_splits_rows_when_columns_are_too_few_for_the_threads()
        => CheckAllPaths(700, 40, 1100, seed: 6);

    [Fact]
    public void Sgemm_runs_tall_narrow_products_as_independent_row_pieces()
        => CheckAllPaths(1100, 70, 130, seed: 12);

    [Fact]
    public void Sgemm_splits_the_long_depth_of_a_small_product_across_threads()
        => CheckAllPaths(37, 45, 1700, seed: 13);

    [Theory]
    [InlineData(3001, 16, 40)]   // TNT's inner linear layers: 16 output columns, rows split across threads
    [InlineData(1003, 48, 16)]   // a 32-wide and a 16-wide strip, ragged last row block
    [InlineData(1003, 23, 37)]
    [InlineData(40, 16, 3000)]   // a weight gradient of 16 columns over a long depth
    public void Sgemm_runs_products_with_few_columns_on_the_small_path_split_by_rows(int m, int n, int k)
        => CheckAllPaths(m, n, k, seed: m + n + k);

    [Theory]
    // A packed is 6.7 MB, too much to share: B (128 x 800 packed, 400 KB) is packed by the first pieces, one
    // depth slice each, and rows go to the threads.
    [InlineData(2100, 100, 800, 9)]
    // A packed is 6.4 MB; B (512 x 2300) is packed in NC-column pieces of each depth slice, then shared.
    [InlineData(700, 500, 2300, 10)]
    // A packed is 6.4 MB but 15 row panels are too few to share out: a 2 x 2 split into independent blocks.
    [InlineData(200, 400, 7600, 11)]
    public void Sgemm_cuts_products_too_large_to_pack_A_at_once_across_threads(int m, int n, int k, int seed)
    {
        var rnd = new Random(seed);
        var a = RandomMatrix(rnd, m, k);
        var b = RandomMatrix(rnd, k, n);
        var expected = Reference(a, b);
        foreach (var level in Levels().Where(l => l != SimdLevel.Scalar))
            WithSettings(level, 2, () =>
            {
                CheckSgemm(a, b, expected, "N", "T", accumulate: false, $"{m}x{n}x{k} {level}");
                CheckSgemm(a, b, expected, "T", "N", accumulate: true, $"{m}x{n}x{k} {level}");
            });
    }

    [Fact]
    public void Sgemm_handles_more_rows_than_one_packed_block()
    {
        var rnd = new Random(8);
        var a = RandomMatrix(rnd, 3100, 40);
        var b = RandomMatrix(rnd, 40, 9);
        var expected = Reference(a, b);
        foreach (int threads in new[] { 1, 2 })
            WithSettings(Simd.Detected, threads, () => CheckSgemm(a, b, expected, "N", "T", accumulate: threads == 2, $"3100x9x40 threads={threads}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sgemm_with_zero_depth_clears_or_keeps_C(bool accumulate)
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        var a = new float[1];
        fixed (float* pa = a, pc = c)
            Gemm.Sgemm(2, 3, 0, pa, 0, 1, pa, 3, 1, pc, 3, accumulate);
        Assert.Equal(accumulate ? new float[] { 1, 2, 3, 4, 5, 6 } : new float[6], c);
    }

    /// <summary>Batch entries with B optionally shared (stride 0), checked against per-entry reference products.</summary>
    private sealed class BatchCase
    {
        private readonly int _batch, _m, _n, _k;
        private readonly bool _shareB;
        private readonly float[][,] _a, _b;
        private readonly (double[,] value, double[,] scale)[] _expected;

        public BatchCase(int batch, int m, int n, int k, bool shareB)
        {
            (_batch, _m, _n, _k, _shareB) = (batch, m, n, k, shareB);
            var rnd = new Random(batch * 100 + m + n + k);
            _a = Enumerable.Range(0, batch).Select(_ => RandomMatrix(rnd, m, k)).ToArray();
            _b = Enumerable.Range(0, shareB ? 1 : batch).Select(_ => RandomMatrix(rnd, k, n)).ToArray();
            _expected = Enumerable.Range(0, batch).Select(e => Reference(_a[e], _b[shareB ? 0 : e])).ToArray();
        }

        public void Check(string layoutB, bool accumulate, string what)
        {
            var rnd = new Random(7);
            var oa = _a.Select(x => new Operand(x, "N", rnd)).ToArray();
            var ob = _b.Select(x => new Operand(x, layoutB, rnd)).ToArray();
            long strideA = oa[0].Data.Length + 7, strideB = _shareB ? 0 : ob[0].Data.Length + 3;
            int ldc = _n + 2;
            long strideC = (long)_m * ldc + 11;
            var aAll = new float[strideA * _batch];
            var bAll = new float[_shareB ? ob[0].Data.Length : strideB * _batch];
            for (int e = 0; e < _batch; e++) oa[e].Data.CopyTo(aAll, e * strideA);
            for (int e = 0; e < ob.Length; e++) ob[e].Data.CopyTo(bAll, e * strideB);
            var c = new float[strideC * _batch];
            for (int i = 0; i < c.Length; i++) c[i] = accumulate ? (float)(rnd.NextDouble() - 0.5) : float.NaN;
            var before = (float[])c.Clone();
            fixed (float* pa = aAll, pb = bAll, pc = c)
                Gemm.SgemmBatched(_batch, _m, _n, _k, pa, strideA, oa[0].Rs, oa[0].Cs, pb, strideB, ob[0].Rs, ob[0].Cs, pc, strideC, ldc, accumulate);
            for (int e = 0; e < _batch; e++)
            {
                var (value, scale) = _expected[e];
                for (int i = 0; i < _m; i++)
                    for (int j = 0; j < _n; j++)
                    {
                        long at = e * strideC + (long)i * ldc + j;
                        double want = value[i, j] + (accumulate ? before[at] : 0);
                        double tol = Rtol * (scale[i, j] + (accumulate ? Math.Abs(before[at]) : 0)) + 1e-30;
                        if (!(Math.Abs(c[at] - want) <= tol))
                            Assert.Fail($"{what} B:{layoutB} accumulate={accumulate}: entry {e} C[{i},{j}] = {c[at]}, expected {want}");
                    }
            }
        }
    }

    [Theory]
    [InlineData(12, 17, 19, 8, true)]    // many small entries: split by entry
    [InlineData(12, 49, 49, 32, false)]  // Swin-window-like
    [InlineData(3, 160, 130, 70, true)]  // few large entries: each one split across threads
    [InlineData(1, 33, 65, 20, false)]
    public void SgemmBatched_matches_reference_per_entry(int batch, int m, int n, int k, bool shareB)
    {
        var bc = new BatchCase(batch, m, n, k, shareB);
        int combo = 0;
        foreach (var level in Levels())
            foreach (int threads in new[] { 1, 2 })
                WithSettings(level, threads, () =>
                {
                    foreach (var lb in Layouts)
                        bc.Check(lb, accumulate: combo++ % 2 == 1, $"batch {batch} {m}x{n}x{k} shareB={shareB} {level} threads={threads}");
                });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Sgemm_and_SgemmBatched_allocate_nothing_in_steady_state(int threads)
        => WithSettings(Simd.Detected, threads, () =>
        {
            int m = 150, n = 140, k = 400;
            var a = new float[1100 * 64];
            var b = new float[k * n];
            var c = new float[m * n * 8];
            fixed (float* pa = a, pb = b, pc = c)
            {
                static void Calls(int m, int n, int k, float* pa, float* pb, float* pc)
                {
                    Gemm.Sgemm(m, n, k, pa, k, 1, pb, 1, k, pc, n, false);
                    Gemm.Sgemm(20, n, k, pa, k, 1, pb, n, 1, pc, n, true);
                    Gemm.SgemmBatched(8, 20, 30, 40, pa, 800, 40, 1, pb, 0, 30, 1, pc, 600, 30, false);
                    Gemm.SgemmBatched(2, m, n, k / 2, pa, 200, k, 1, pb, 0, 1, k, pc, m * n, n, false);
                    Gemm.Sgemm(1100, 64, 64, pa, 64, 1, pb, 1, 64, pc, 64, false);     // independent row pieces
                    Gemm.Sgemm(40, 30, 1600, pa, 1, 40, pb, 30, 1, pc, 30, false);      // depth split
                }
                // Per-thread counting: the test runner's own threads allocate concurrently.
                // Warm up until the buffer pool has grown to what concurrent pieces may hold at once: how many
                // buffers a call needs depends on which thread finishes first.
                for (int i = 0; i < 4; i++) Calls(m, n, k, pa, pb, pc);
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 5; i++) Calls(m, n, k, pa, pb, pc);
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        });

    [Fact]
    public void Simd_paths_and_thread_counts_agree_with_each_other()
    {
        var rnd = new Random(11);
        int m = 45, n = 70, k = 450;
        var a = new Operand(RandomMatrix(rnd, m, k), "N", rnd);
        var b = new Operand(RandomMatrix(rnd, k, n), "T", rnd);
        var results = new List<(string, float[])>();
        foreach (var level in Levels())
            foreach (int threads in new[] { 1, 2 })
                WithSettings(level, threads, () =>
                {
                    var c = new float[m * n];
                    fixed (float* pa = a.Data, pb = b.Data, pc = c)
                        Gemm.Sgemm(m, n, k, pa, a.Rs, a.Cs, pb, b.Rs, b.Cs, pc, n, false);
                    results.Add(($"{level}/{threads}", c));
                });
        var (firstName, first) = results[0];
        foreach (var (name, c) in results.Skip(1))
            for (int i = 0; i < c.Length; i++)
                if (!(Math.Abs(c[i] - first[i]) <= 1e-4f * (1 + Math.Abs(first[i]))))
                    Assert.Fail($"{name} vs {firstName} at {i}: {c[i]} vs {first[i]}");
    }
}
