using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>[..., m, k] @ [k, n] folded into one GEMM of all rows, including one-row matrices ([B, 1, k], a decoding step).</summary>
public class MatMulRowsTests
{
    private static float[] Reference(Tensor a, Tensor w)
    {
        var x = a.Contiguous().ToArray();
        var b = w.Contiguous().ToArray();
        int k = a.Shape[^1], n = w.Shape[1], rows = x.Length / k;
        var o = new float[rows * n];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int i = 0; i < k; i++) s += x[r * k + i] * b[i * n + j];
                o[r * n + j] = (float)s;
            }
        return o;
    }

    [Theory]
    [InlineData(new[] { 5, 1, 7 })]
    [InlineData(new[] { 3, 1, 1, 7 })]
    [InlineData(new[] { 1, 1, 7 })]
    [InlineData(new[] { 2, 3, 1, 7 })]
    public void Single_row_batches_equal_a_reference_product(int[] shape)
    {
        var gen = new Generator(4);
        var w = Tensor.Randn(gen, 9, 7).T;                              // [7, 9], transposed like a linear layer's weight
        var contiguous = Tensor.Randn(gen, shape);
        Assert.Equal(Reference(contiguous, w), Ops.MatMul(contiguous, w).ToArray(), new ToleranceComparer(1e-5f));
        // The same values seen through a view whose unit dim has an unusual stride (a Select of a wider tensor, unsqueezed).
        var wide = Tensor.Randn(gen, [.. shape[..^2], 3, 7]);
        var view = wide.Narrow(wide.Rank - 2, 1, 1);
        Assert.Equal(Reference(view, w), Ops.MatMul(view, w).ToArray(), new ToleranceComparer(1e-5f));
    }

    /// <summary>Up to 8 rows against W^T take the dot-product path (GemmDots): four-row groups and single rows, depths through the 64-wide, 16-wide and scalar loops.</summary>
    [Theory]
    [InlineData(1, 1024, 256)]
    [InlineData(2, 40, 83)]
    [InlineData(3, 17, 15)]
    [InlineData(4, 33, 80)]
    [InlineData(7, 29, 70)]
    [InlineData(8, 512, 128)]
    public void Few_rows_against_a_transposed_weight_equal_a_reference_with_and_without_bias(int m, int n, int k)
    {
        var gen = new Generator(6);
        var x = Tensor.Randn(gen, m, 1, k);
        var w = Tensor.Randn(gen, n, k);
        var bias = Tensor.Randn(gen, n);
        var plain = Reference(x, w.T);
        Assert.Equal(plain, Ops.MatMul(x, w.T).ToArray(), new ToleranceComparer(1e-4f));
        var b = bias.ToArray();
        Assert.Equal(plain.Select((v, i) => v + b[i % n]).ToArray(), Ops.Linear(x, w, bias).ToArray(), new ToleranceComparer(1e-4f));
    }

    [Fact]
    public void Broadcast_rows_are_not_folded_into_one_matrix()
    {
        var gen = new Generator(5);
        var row = Tensor.Randn(gen, 1, 1, 6);
        var a = row.Expand(4, 1, 6);
        var w = Tensor.Randn(gen, 6, 3);
        Assert.Equal(Reference(a, w), Ops.MatMul(a, w).ToArray(), new ToleranceComparer(1e-5f));
    }

    private sealed class ToleranceComparer(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tol * Math.Max(1, Math.Abs(x));
        public int GetHashCode(float obj) => 0;
    }
}
