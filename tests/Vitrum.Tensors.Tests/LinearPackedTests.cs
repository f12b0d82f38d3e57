using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Tests.Support;
using Vitrum.Tensors.Threading;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// Ops.LinearPacked (a pre-packed weight with bias, GELU and residual fused into the GEMM's store) against the unfused
/// ops, on shapes that cut C each way: few rows cut into row blocks and column chunks (ViT at batch 1), a tall A in
/// row blocks over all columns (several NC blocks wide), several depth slices, ragged last panels of rows and columns.
/// </summary>
[Collection(SimdLevelCollection.Name)]
public class LinearPackedTests
{
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 5, 37, 150 },      // one ragged row panel, ragged column panel
        { 197, 384, 1152 },  // ViT-S qkv at batch 1: 8 row blocks x 2 column chunks
        { 197, 1536, 384 },  // ViT-S fc2: 4 depth slices
        { 50, 800, 33 },     // 3 slices of 267, a 33-column product cut into 2 chunks
        { 49, 300, 700 },    // few rows (Swin's last stage): one row block, 11 column chunks
        { 1000, 300, 70 },   // tall: row blocks over all columns
        { 700, 400, 517 },   // tall, wider than one NC block of columns
    };

    private static Tensor Unfused(Tensor x, Tensor w, Tensor? b, bool gelu, Tensor? residual)
    {
        var y = Ops.Linear(x, w, b);
        if (gelu) y = Ops.Gelu(y);
        return residual == null ? y : Ops.Add(residual, y);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Packed_linear_with_bias_gelu_and_residual_equals_the_unfused_ops(int rows, int inF, int outF)
    {
        var x = GradCheck.Rand(1, rows, inF);
        var w = GradCheck.Rand(2, outF, inF);
        var b = GradCheck.Rand(3, outF);
        var r = GradCheck.Rand(4, rows, outF);
        var packed = PackedWeight.Pack(w);
        using var _ = GradMode.NoGrad();
        foreach (var (bias, gelu, residual) in new[] { (b, false, (Tensor?)null), (b, true, null), (b, false, r), (null, true, r), (b, true, r) })
        {
            var what = $"{rows}x{inF}->{outF} bias {bias != null} gelu {gelu} residual {residual != null}";
            GradCheck.Close(Unfused(x, w, bias, gelu, residual).ToArray(), Ops.LinearPacked(x, packed, bias, gelu, residual).ToArray(), 1e-5, 1e-5, what);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Packed_linear_gives_the_same_bits_on_one_thread_and_on_two(int rows, int inF, int outF)
    {
        var x = GradCheck.Rand(5, rows, inF);
        var w = GradCheck.Rand(6, outF, inF);
        var b = GradCheck.Rand(7, outF);
        var r = GradCheck.Rand(8, rows, outF);
        var packed = PackedWeight.Pack(w);
        int old = WorkerPool.ThreadCount;
        try
        {
            WorkerPool.ThreadCount = 1;
            var one = Ops.LinearPacked(x, packed, b, true, r).ToArray();
            WorkerPool.ThreadCount = 2;
            // A thread held up before its pieces changes which thread computes which tile, never a tile's sums.
            WorkerPool.BeforePiece = i => { if (i % 3 == 0) Thread.SpinWait(2000); };
            var two = Ops.LinearPacked(x, packed, b, true, r).ToArray();
            Assert.Equal(one, two);
        }
        finally
        {
            WorkerPool.BeforePiece = null;
            WorkerPool.ThreadCount = old;
        }
    }

    [Fact]
    public void Packed_linear_reads_strided_inputs_and_residuals_of_any_leading_shape()
    {
        // x [2, 30, 45] seen through a transpose of [2, 45, 30]; the residual is a column slice of a wider tensor.
        var x = GradCheck.Rand(9, 2, 45, 30).Transpose(1, 2);
        var w = GradCheck.Rand(10, 70, 45);
        var b = GradCheck.Rand(11, 70);
        var r = GradCheck.Rand(12, 2, 30, 90).Narrow(2, 10, 70);
        var packed = PackedWeight.Pack(w.T.Contiguous().T);
        using var _ = GradMode.NoGrad();
        var y = Ops.LinearPacked(x, packed, b, true, r);
        Assert.Equal(new[] { 2, 30, 70 }, y.Shape.ToArray());
        GradCheck.Close(Unfused(x, w, b, true, r).ToArray(), y.ToArray(), 1e-5, 1e-5, "strided x, transposed W, sliced residual");
    }

    [Fact]
    public void Weights_packed_at_avx2_run_at_avx2_and_not_at_another_level()
    {
        if (Simd.Detected < SimdLevel.Avx2) return;
        var x = GradCheck.Rand(13, 41, 29);
        var w = GradCheck.Rand(14, 23, 29);
        var b = GradCheck.Rand(15, 23);
        try
        {
            Simd.Level = SimdLevel.Avx2;
            var packed = PackedWeight.Pack(w);
            Assert.True(packed.Usable);
            using (GradMode.NoGrad())
                GradCheck.Close(Unfused(x, w, b, true, null).ToArray(), Ops.LinearPacked(x, packed, b, true).ToArray(), 1e-5, 1e-5, "avx2");
            Simd.Level = SimdLevel.Scalar;
            Assert.False(packed.Usable);
            var e = Assert.Throws<ArgumentException>(() => Ops.LinearPacked(x, packed, b));
            Assert.Contains("packed for Avx2", e.Message);
        }
        finally { Simd.Level = Simd.Detected; }
    }

    [Fact]
    public void Packed_linear_rejects_bad_shapes_and_inputs_that_need_gradients()
    {
        var packed = PackedWeight.Pack(GradCheck.Rand(16, 8, 6));
        Assert.Contains("[..., 6]", Assert.Throws<ArgumentException>(() => Ops.LinearPacked(GradCheck.Rand(17, 3, 5), packed)).Message);
        Assert.Contains("expected [8]", Assert.Throws<ArgumentException>(() => Ops.LinearPacked(GradCheck.Rand(17, 3, 6), packed, GradCheck.Rand(18, 7))).Message);
        Assert.Contains("residual [3, 7]", Assert.Throws<ArgumentException>(() =>
            Ops.LinearPacked(GradCheck.Rand(17, 3, 6), packed, null, false, GradCheck.Rand(19, 3, 7))).Message);
        Assert.Contains("requires a gradient", Assert.Throws<InvalidOperationException>(() =>
            Ops.LinearPacked(GradCheck.Rand(17, 3, 6).RequireGrad(), packed)).Message);
        Assert.Contains("[2, 3, 4]", Assert.Throws<ArgumentException>(() => PackedWeight.Pack(GradCheck.Rand(20, 2, 3, 4))).Message);
    }
}
