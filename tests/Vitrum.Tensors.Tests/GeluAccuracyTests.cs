using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>The vectorized erf and exact GELU against double-precision references at every SIMD level.</summary>
[Collection(SimdLevelCollection.Name)]
public class GeluAccuracyTests
{
    /// <summary>400,001 points over [-20, 20] (step 1e-4) and large, infinite and NaN values.</summary>
    private static float[] DenseRange()
    {
        const int n = 400_001;
        var dense = Enumerable.Range(0, n).Select(i => -20f + 40f * i / (n - 1));
        var extremes = new[] { -1e30f, -1e4f, -100f, 100f, 1e4f, 1e30f, float.MaxValue, -float.MaxValue, float.Epsilon, -float.Epsilon, 1e-30f };
        return dense.Concat(extremes).ToArray();
    }

    /// <summary>Checks |op(x) - reference(x)| &lt;= tolerance(x) over <see cref="DenseRange"/> at every SIMD level.</summary>
    private static void AssertClose(string name, Func<Tensor, Tensor> op, Func<double, double> reference, Func<float, double> tolerance)
    {
        var xs = DenseRange();
        var x = Tensor.FromArray(xs);
        SimdLevels.ForEach(level =>
        {
            var y = op(x).ToArray();
            for (int i = 0; i < xs.Length; i++)
            {
                double expected = reference(xs[i]);
                Assert.True(Math.Abs(y[i] - expected) <= tolerance(xs[i]), $"{level}: {name}({xs[i]}) = {y[i]}, expected {expected}");
            }
        });
    }

    [Fact]
    public void Erf_is_within_1_5e_minus_7_of_double_precision_erf_everywhere() =>
        AssertClose("erf", Ops.Erf, DoubleReference.Erf, _ => 1.5e-7);

    [Fact]
    public void Erf_keeps_relative_accuracy_near_zero_and_handles_specials()
    {
        var x = Tensor.FromArray(new[] { 1e-20f, -3e-8f, 1e-4f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f });
        SimdLevels.ForEach(level =>
        {
            var y = Ops.Erf(x).ToArray();
            for (int i = 0; i < 3; i++)
            {
                double expected = DoubleReference.Erf(x.At(i));
                Assert.True(Math.Abs(y[i] - expected) <= 2e-7 * Math.Abs(expected), $"{level}: erf({x.At(i)}) = {y[i]}, expected {expected}");
            }
            Assert.Equal(new[] { 1f, -1f }, y.Skip(3).Take(2).ToArray());
            Assert.True(float.IsNaN(y[5]), $"{level}: erf(NaN) = {y[5]}");
            Assert.Equal(0f, y[6]);
        });
    }

    [Fact]
    public void Gelu_is_within_1_2e_minus_7_times_max_1_x_of_double_precision_gelu() =>
        AssertClose("gelu", x => Ops.Gelu(x), DoubleReference.Gelu, x => 1.2e-7 * Math.Max(1, Math.Abs(x)));

    [Fact]
    public void Gelu_of_infinities_and_nan_matches_pytorch()
    {
        var x = Tensor.FromArray(new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN });
        SimdLevels.ForEach(level =>
        {
            var y = Ops.Gelu(x).ToArray();
            Assert.Equal(float.PositiveInfinity, y[0]);
            Assert.True(float.IsNaN(y[1]), $"{level}: gelu(-inf) = {y[1]}, PyTorch gives NaN");
            Assert.True(float.IsNaN(y[2]), $"{level}: gelu(NaN) = {y[2]}");
        });
    }

    [Fact]
    public void Gelu_gradient_is_within_2e_minus_7_of_the_double_precision_derivative()
    {
        var xs = DenseRange().Where(float.IsFinite).Where(v => Math.Abs(v) <= 100).ToArray();
        SimdLevels.ForEach(level =>
        {
            var x = Tensor.FromArray(xs).RequireGrad();
            Ops.Gelu(x).Backward(Tensor.Ones(xs.Length));
            var g = x.Grad!.ToArray();
            for (int i = 0; i < xs.Length; i++)
            {
                double expected = DoubleReference.GeluGrad(xs[i]);
                Assert.True(Math.Abs(g[i] - expected) <= 2e-7, $"{level}: gelu'({xs[i]}) = {g[i]}, expected {expected}");
            }
        });
    }
}
